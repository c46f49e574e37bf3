using System.ClientModel;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Forwarding;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Infrastructure;

/// <summary>A real gateway on a free loopback port in front of a <see cref="FakeUpstream"/>, plus helpers to call it.</summary>
public sealed class TestGateway : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789abcdef";

    private readonly string _dataDirectory;

    private TestGateway(GatewayHost host, FakeUpstream upstream, string dataDirectory)
    {
        Host = host;
        Upstream = upstream;
        _dataDirectory = dataDirectory;
        Http = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public GatewayHost Host { get; }

    public FakeUpstream Upstream { get; }

    /// <summary>No credentials.</summary>
    public HttpClient Http { get; }

    /// <summary>Sends the admin key.</summary>
    public HttpClient Admin { get; }

    public static async Task<TestGateway> StartAsync(Action<GatewayOptions, FakeUpstream>? configure = null, GatewayHostSettings? settings = null)
    {
        var upstream = await FakeUpstream.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "tg-gw-" + Guid.NewGuid().ToString("N"));
        var options = new GatewayOptions
        {
            Port = 0,
            Store = "sqlite:" + Path.Combine(data, "tollgate.db"),
            DataDirectory = data,
            AdminKey = AdminKey,
            BudgetStatusCacheMilliseconds = 0,
            ProvidersFromEnvironment = false,
            Providers =
            [
                new ProviderEndpointOptions { Name = "openai", BaseUrl = upstream.OpenAiBase.ToString(), ApiKey = "sk-upstream-openai-secret" },
                new ProviderEndpointOptions { Name = "anthropic", BaseUrl = upstream.AnthropicBase.ToString(), ApiKey = "sk-ant-upstream-secret" },
                new ProviderEndpointOptions { Name = "google", BaseUrl = upstream.GeminiBase.ToString(), ApiKey = "gemini-upstream-secret" },
            ],
        };
        configure?.Invoke(options, upstream);
        var host = await GatewayHost.StartAsync(options, settings ?? new GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, TestContext.Current.CancellationToken);
        return new TestGateway(host, upstream, data);
    }

    /// <summary>Creates a virtual key through the admin API; returns (id, plaintext key).</summary>
    public async Task<(string Id, string Key)> CreateKeyAsync(string tenant, string? project = null, string? user = null, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["tenant"] = tenant, ["project"] = project, ["user"] = user, ["name"] = "test key" };
        if (extra is not null)
        {
            foreach (var p in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                body[p.Name] = p.Value;
            }
        }

        using var response = await Admin.PostAsJsonAsync("/admin/keys", body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /admin/keys: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return (doc.RootElement.GetProperty("id").GetString()!, doc.RootElement.GetProperty("key").GetString()!);
    }

    /// <summary>The official OpenAI .NET client pointed at the gateway with a virtual key.</summary>
    public OpenAIClient OpenAi(string key) => new(new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri(Host.Address, "v1"),
        NetworkTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
    });

    /// <summary>The ledger record of one attempt, once every pending write is durable.</summary>
    public async Task<UsageRecord?> LedgerRecordAsync(string requestId, int attempt = 1)
    {
        await Host.Services.GetRequiredService<CallAccounting>().FlushAsync(TestContext.Current.CancellationToken);
        return await Host.Services.GetRequiredService<ILedgerStore>().FindAsync(new LedgerKey(requestId, attempt), TestContext.Current.CancellationToken);
    }

    /// <summary>Every ledger record, once every pending write is durable.</summary>
    public async Task<List<UsageRecord>> LedgerRecordsAsync()
    {
        await Host.Services.GetRequiredService<CallAccounting>().FlushAsync(TestContext.Current.CancellationToken);
        var records = new List<UsageRecord>();
        await foreach (var record in Host.Services.GetRequiredService<ILedgerStore>().ReadAsync(LedgerFilter.All, TestContext.Current.CancellationToken))
        {
            records.Add(record);
        }

        return records;
    }

    /// <summary>Creates a budget through the admin API; returns its id.</summary>
    public async Task<string> CreateBudgetAsync(object body)
    {
        using var response = await Admin.PostAsJsonAsync("/admin/budgets", body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST /admin/budgets: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    public HttpClient ClientWithKey(string key)
    {
        var client = new HttpClient { BaseAddress = Host.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Admin.Dispose();
        await Host.DisposeAsync();
        await Upstream.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
