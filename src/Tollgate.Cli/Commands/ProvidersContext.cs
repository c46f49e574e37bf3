using System.Data.Common;
using Npgsql;
using Tollgate.PostgreSql.Providers;
using Tollgate.Providers.Configuration;
using Tollgate.Providers.Routing;
using Tollgate.Routing;
using Tollgate.Sqlite.Providers;
using Tollgate.Storage;

namespace Tollgate.Cli.Commands;

/// <summary>
/// What the providers and route commands share with <c>tollgate serve</c>: the providers of <c>--config</c> and the
/// provider state in <c>--store</c> (the same SQLite file or PostgreSQL database the gateway uses).
/// </summary>
internal sealed class ProvidersContext : IAsyncDisposable
{
    private static readonly HttpClient UnusedHttp = new();
    private readonly NpgsqlDataSource? _dataSource;

    private ProvidersContext(ProvidersConfiguration configuration, ProviderSet providers, IProviderStateStore store, StoreLocation location, NpgsqlDataSource? dataSource)
    {
        Configuration = configuration;
        Providers = providers;
        Store = store;
        Location = location;
        _dataSource = dataSource;
        Registry = new ProviderRegistry(store, providers.Descriptors) { RefreshInterval = TimeSpan.Zero };
    }

    public ProvidersConfiguration Configuration { get; }

    public ProviderSet Providers { get; }

    public IProviderStateStore Store { get; }

    public ProviderRegistry Registry { get; }

    public StoreLocation Location { get; }

    public static async Task<ProvidersContext> OpenAsync(FileInfo? config, string? store, CancellationToken cancellationToken, Func<string, string?>? environment = null)
    {
        ProvidersConfiguration configuration;
        try
        {
            configuration = config is null ? ProvidersConfiguration.Default() : ProvidersConfiguration.Load(config.FullName);
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ex.Message);
        }

        var location = CommonOptions.ParseStore(store);
        var providers = ProviderSet.Create(configuration.Providers, UnusedHttp, CapabilityCatalog.BuiltIn(), environment: environment);
        NpgsqlDataSource? dataSource = null;
        try
        {
            IProviderStateStore state;
            switch (location.Kind)
            {
                case StoreKind.InMemory:
                    state = new InMemoryProviderStateStore();
                    break;
                case StoreKind.Sqlite:
                    var sqlite = SqliteProviderStateStore.ForFile(location.SqlitePath!);
                    await sqlite.InitializeAsync(cancellationToken);
                    state = sqlite;
                    break;
                default:
                    dataSource = NpgsqlDataSource.Create(location.ConnectionString);
                    var postgres = new PostgreSqlProviderStateStore(dataSource);
                    await postgres.InitializeAsync(cancellationToken);
                    state = postgres;
                    break;
            }

            return new ProvidersContext(configuration, providers, state, location, dataSource);
        }
        catch (Exception ex) when (ex is DbException or System.Net.Sockets.SocketException or ArgumentException)
        {
            if (dataSource is not null)
            {
                await dataSource.DisposeAsync();
            }

            throw new CliException($"provider state store {location}: {ex.Message.Split('\n')[0]}");
        }
    }

    /// <summary>The configured provider, or a <see cref="CliException"/> listing the known ones.</summary>
    public ProviderDescriptor Require(string name) =>
        Registry.Find(name) ?? throw new CliException(
            $"unknown provider '{name}'; configured providers: {string.Join(", ", Providers.Descriptors.Select(d => d.Name).Order(StringComparer.Ordinal))}");

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
