using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Tollgate.Costing;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;
using Tollgate.PostgreSql.Ledger;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// Three gateway instances on one PostgreSQL database and one Redis, in front of one fake upstream (which answers every
/// request it gets): the load the reliability tests put on them, and the sums they compare afterwards.
/// </summary>
internal sealed class MultiInstanceCluster : IAsyncDisposable
{
    private readonly string _database;
    private readonly List<GatewayHost> _hosts = [];
    private readonly List<HttpClient> _clients = [];

    private readonly string _postgresAdmin;

    private MultiInstanceCluster(string database, string store, FakeUpstream upstream, string postgresAdmin)
    {
        _database = database;
        _postgresAdmin = postgresAdmin;
        Store = store;
        Upstream = upstream;
    }

    public FakeUpstream Upstream { get; }

    public string Store { get; }

    public IReadOnlyList<GatewayHost> Hosts => _hosts;

    /// <summary>The instances' shared data folder (their ledger spool slots are under it).</summary>
    public string DataDirectory => Path.Combine(Path.GetTempPath(), "tg-rel-" + _database);

    public string Tenant { get; } = "rel-" + Guid.NewGuid().ToString("N")[..10];

    public string BudgetId { get; private set; } = "";

    public string Key { get; private set; } = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts the instances, creates a key of a fresh tenant and a hard budget of <paramref name="limit"/> USD on it.</summary>
    public static async Task<MultiInstanceCluster> StartAsync(string limit, int instances = 3, string? postgresAdmin = null, string? redis = null, Action<GatewayOptions>? configure = null)
    {
        postgresAdmin ??= TestServices.PostgresAdmin;
        var database = "tg_rel_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = NpgsqlDataSource.Create(postgresAdmin))
        await using (var create = admin.CreateCommand($"CREATE DATABASE {database}"))
        {
            await create.ExecuteNonQueryAsync(Ct);
        }

        var store = new NpgsqlConnectionStringBuilder(postgresAdmin) { Database = database }.ToString();
        var upstream = await FakeUpstream.StartAsync();
        // Plausible usage for the small prompts sent: never above what the gateway holds for them.
        upstream.PromptTokens = 5;
        upstream.CompletionTokens = 40;
        var cluster = new MultiInstanceCluster(database, store, upstream, postgresAdmin);
        for (var i = 0; i < instances; i++)
        {
            var options = new GatewayOptions
            {
                Port = 0,
                Store = store,
                Redis = redis ?? TestServices.RedisConfiguration,
                DataDirectory = Path.Combine(Path.GetTempPath(), "tg-rel-" + database),
                AdminKey = TestGateway.AdminKey,
                KeyCacheSeconds = 30,
                ProvidersFromEnvironment = false,
                Providers =
                [
                    new ProviderEndpointOptions { Name = "openai", BaseUrl = upstream.OpenAiBase.ToString(), ApiKey = "sk-test" },
                    // A model no catalog prices: refused (403 model_unpriced) under a hard budget.
                    new ProviderEndpointOptions { Name = "house", BaseUrl = upstream.OpenAiBase.ToString(), Format = "openai", AllowMissingKey = true, Models = ["house-model"] },
                ],
            };
            configure?.Invoke(options);
            cluster._hosts.Add(await GatewayHost.StartAsync(options, new GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, Ct));
        }

        using var adminClient = cluster.Client(0, TestGateway.AdminKey);
        using (var created = await adminClient.PostAsync("/admin/keys", CostTests.Json(new { tenant = cluster.Tenant }), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var doc = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
            cluster.Key = doc.RootElement.GetProperty("key").GetString()!;
        }

        // Redis counters outlive the test: a budget id of its own keeps runs apart.
        cluster.BudgetId = "rel-" + database;
        using var budget = await adminClient.PostAsync("/admin/budgets", CostTests.Json(new { id = cluster.BudgetId, scope = new { tenant = cluster.Tenant }, limit, period = "daily", enforcement = "hard" }), Ct);
        Assert.Equal(HttpStatusCode.Created, budget.StatusCode);
        for (var i = 0; i < instances; i++)
        {
            cluster._clients.Add(cluster.Client(i, cluster.Key));
        }

        return cluster;
    }

    public HttpClient Client(int instance, string key)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 200 }) { BaseAddress = _hosts[instance].Address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>The mix every load uses: plain, n = 2, streamed, and an unpriced model, round-robin over the instances.</summary>
    public static string BodyFor(int i) => (i % 8) switch
    {
        0 or 4 => """{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"Say something about budgets."}]}""",
        1 or 5 => """{"model":"gpt-4o-mini","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Stream something about budgets."}]}""",
        2 => """{"model":"gpt-4o-mini","max_tokens":32,"n":2,"messages":[{"role":"user","content":"Two answers about budgets."}]}""",
        3 or 6 => """{"model":"gpt-4o","max_tokens":64,"messages":[{"role":"user","content":"Say something about ledgers."}]}""",
        _ => """{"model":"house-model","max_tokens":64,"messages":[{"role":"user","content":"An unpriced model."}]}""",
    };

    /// <summary>
    /// Sends <paramref name="total"/> requests at <paramref name="concurrency"/>; returns the count per outcome ("200",
    /// "429 budget_exceeded", …) and the ids of the calls answered 200 (for a stream: with its <c>[DONE]</c>).
    /// </summary>
    /// <param name="until">
    /// When given, the load goes on past <paramref name="total"/> (each worker pausing 20 ms between calls) until it
    /// completes: a test that breaks something mid-load is sure to have calls in flight then, however fast the first ones ran.
    /// </param>
    public async Task<LoadResult> LoadAsync(int total, int concurrency, Func<int, string>? bodies = null, Func<int, bool>? abandonStream = null, bool backOff = false, Task? until = null)
    {
        bodies ??= BodyFor;
        var outcomes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var answered = new ConcurrentBag<string>();
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total || until is { IsCompleted: false })
            {
                if (i >= total)
                {
                    await Task.Delay(20, Ct);
                }

                var body = bodies(i);
                var client = _clients[i % _clients.Count];
                string outcome;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
                    var status = (int)response.StatusCode;
                    if (status == 200 && body.Contains("\"stream\":true", StringComparison.Ordinal) && abandonStream?.Invoke(i) == true)
                    {
                        // The client goes away after the first bytes of the stream.
                        await using var partial = await response.Content.ReadAsStreamAsync(Ct);
                        _ = await partial.ReadAsync(new byte[64], Ct);
                        outcome = "200 abandoned";
                    }
                    else
                    {
                        var text = await response.Content.ReadAsStringAsync(Ct);
                        outcome = status == 200 ? "200" : $"{status} {ErrorCode(text)}{(status >= 500 && ErrorCode(text) != "store_unavailable" ? " " + text[..Math.Min(300, text.Length)] : "")}";
                        if (status == 200 && (!body.Contains("\"stream\":true", StringComparison.Ordinal) || text.Contains("data: [DONE]", StringComparison.Ordinal)))
                        {
                            answered.Add(response.Headers.GetValues("x-tollgate-request-id").Single());
                        }
                        else if (status == 200)
                        {
                            outcome = "200 without [DONE]";
                        }

                        if (status is 503 or 429 && !response.Headers.Contains("Retry-After") && ErrorCode(text) != "budget_exceeded")
                        {
                            outcome += " without Retry-After";
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    outcome = ex.GetType().Name;
                }

                outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                if (backOff && outcome.StartsWith("503", StringComparison.Ordinal))
                {
                    // A client honouring Retry-After (shortened, so the test stays short).
                    await Task.Delay(200, Ct);
                }
            }
        }, CancellationToken.None)).ToList();
        await Task.WhenAll(workers);
        return new LoadResult(new Dictionary<string, int>(outcomes), [.. answered]);
    }

    private static string ErrorCode(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("code", out var code) ? code.ToString() : "?";
        }
        catch (JsonException)
        {
            return "?";
        }
    }

    /// <summary>Waits until every settlement deferred by store trouble has been counted (the store is back).</summary>
    public async Task SettleDeferredAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        foreach (var host in _hosts)
        {
            var accounting = (Forwarding.CallAccounting)host.Services.GetService(typeof(Forwarding.CallAccounting))!;
            while (!await accounting.TrySettleDeferredAsync(Ct))
            {
                Assert.True(DateTime.UtcNow < deadline, $"{accounting.DeferredSettlements} settlements still deferred after {within}");
                await Task.Delay(200, Ct);
            }
        }
    }

    /// <summary>The tenant's ledger, read from PostgreSQL: records per request id and the total in nano-units.</summary>
    public async Task<(Dictionary<string, int> Records, long TotalNanos)> LedgerAsync()
    {
        foreach (var host in _hosts)
        {
            // Durable mode: every answered call is committed or spooled; a spool left by a store outage goes in now.
            if (host.Services.GetService(typeof(LedgerWriter)) is LedgerWriter writer)
            {
                await writer.FlushAsync(Ct);
                await writer.ReplaySpoolAsync(Ct);
            }
        }

        var records = new Dictionary<string, int>(StringComparer.Ordinal);
        long total = 0;
        await using var ledger = new PostgreSqlLedgerStore(Store);
        await foreach (var record in ledger.ReadAsync(new LedgerFilter { Tenant = Tenant }, Ct))
        {
            records[record.RequestId] = records.GetValueOrDefault(record.RequestId) + 1;
            total += record.TotalCostNanos;
        }

        return (records, total);
    }

    /// <summary>
    /// The budget's spent and held as the counters (Redis) have them. Read after an outage, the first use of a pooled
    /// connection the restarted server closed can still answer 503 store_unavailable (documented): asked again then.
    /// </summary>
    public async Task<(decimal Spent, decimal Held, decimal Limit)> BudgetAsync()
    {
        using var admin = Client(0, TestGateway.AdminKey);
        HttpResponseMessage response;
        for (var attempt = 1; ; attempt++)
        {
            response = await admin.GetAsync($"/admin/budgets/{BudgetId}", Ct);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt == 5)
            {
                break;
            }

            response.Dispose();
            await Task.Delay(500, Ct);
        }

        using var answered = response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await answered.Content.ReadAsStringAsync(Ct));
        var root = doc.RootElement;
        return (Dec(root, "spent"), Dec(root, "held"), Dec(root, "limit"));

        static decimal Dec(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? decimal.Parse(v.ToString(), CultureInfo.InvariantCulture) : 0m;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await Upstream.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(_postgresAdmin);
        await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Sums used by the assertions.</summary>
    public static decimal FromNanos(long nanos) => Money.FromNanos(nanos);
}

/// <summary>What a load produced: the count per outcome, and the ids of the calls answered in full.</summary>
internal sealed record LoadResult(IReadOnlyDictionary<string, int> Outcomes, IReadOnlyList<string> Answered)
{
    public int Count(string outcome) => Outcomes.GetValueOrDefault(outcome);

    public override string ToString() => string.Join(", ", Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}: {o.Value}"));
}
