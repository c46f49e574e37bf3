using Tollgate.Hosting;
using Tollgate.Providers.Configuration;
using Tollgate.Providers.Routing;
using Tollgate.Routing;

namespace Tollgate.Cli.Commands;

/// <summary>
/// What the providers and route commands share with <c>tollgate serve</c>: the providers of <c>--config</c> and the
/// provider state in <c>--store</c> (the same SQLite file or PostgreSQL database the gateway uses).
/// </summary>
internal sealed class ProvidersContext : IAsyncDisposable
{
    private static readonly HttpClient UnusedHttp = new();

    private ProvidersContext(ProvidersConfiguration configuration, ProviderSet providers, TollgateStores stores)
    {
        Configuration = configuration;
        Providers = providers;
        Stores = stores;
        Registry = new ProviderRegistry(stores.ProviderState, providers.Descriptors) { RefreshInterval = TimeSpan.Zero };
    }

    public ProvidersConfiguration Configuration { get; }

    public ProviderSet Providers { get; }

    /// <summary>The state of <c>--store</c>, opened through <see cref="CliStores"/>: provider state and the ledger.</summary>
    public TollgateStores Stores { get; }

    public IProviderStateStore Store => Stores.ProviderState;

    public ProviderRegistry Registry { get; }

    public static async Task<ProvidersContext> OpenAsync(FileInfo? config, string? store, StoreAccess access, CancellationToken cancellationToken, Func<string, string?>? environment = null)
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
        var stores = await CliStores.OpenAsync(location, access, cancellationToken);
        return new ProvidersContext(configuration, providers, stores);
    }

    /// <summary>The configured provider, or a <see cref="CliException"/> listing the known ones.</summary>
    public ProviderDescriptor Require(string name) =>
        Registry.Find(name) ?? throw new CliException(
            $"unknown provider '{name}'; configured providers: {string.Join(", ", Providers.Descriptors.Select(d => d.Name).Order(StringComparer.Ordinal))}");

    public ValueTask DisposeAsync() => Stores.DisposeAsync();
}
