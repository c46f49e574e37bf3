using System.Diagnostics;
using System.Text.Json;
using Tollgate.Cli.Tests.Ledger;
using Tollgate.Costing;
using Tollgate.Routing;
using Tollgate.Sqlite.Ledger;
using Tollgate.Sqlite.Providers;

namespace Tollgate.Cli.Tests.Providers;

public sealed class ProvidersCliTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-cli-providers-" + Guid.NewGuid().ToString("N"));
    private readonly string _config;
    private readonly string _store;

    public ProvidersCliTests()
    {
        Directory.CreateDirectory(_directory);
        _config = Path.Combine(_directory, "tollgate.json");
        File.WriteAllText(_config, """
            {
              "providersFromEnvironment": false,
              "providers": [
                { "name": "openai", "apiKey": "sk-test-openai", "backup": "azure" },
                { "name": "azure", "baseUrl": "https://example-resource.openai.azure.com", "apiKey": "az-test" },
                { "name": "anthropic", "apiKey": "sk-ant-test" },
                { "name": "google", "apiKey": "gm-test" },
                { "name": "groq" }
              ]
            }
            """);
        _store = "sqlite:" + Path.Combine(_directory, "tollgate.db");
    }

    private Task<CliRun> Run(params string[] args) => CliRun.RunAsync([.. args, "--config", _config, "--store", _store]);

    [Fact]
    public async Task ProvidersList_Json_ListsConfiguredProvidersWithState()
    {
        var run = await Run("providers", "list", "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        var rows = json.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["anthropic", "azure", "google", "groq", "openai"], rows.Keys.Order());
        var openai = rows["openai"];
        Assert.True(openai.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, openai.GetProperty("preferred_for").GetArrayLength());
        Assert.Contains(openai.GetProperty("models").EnumerateArray(), m => m.GetString() == "gpt-4o");
        Assert.Equal(0, openai.GetProperty("health").GetProperty("requests").GetInt64());
        Assert.False(rows["groq"].GetProperty("available").GetBoolean());
        Assert.Equal("no API key: set GROQ_API_KEY", rows["groq"].GetProperty("unavailable_reason").GetString());
        Assert.DoesNotContain("sk-test-openai", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvidersDisable_HiddenUntilShowDisabled_EnableBringsBack()
    {
        var disable = await Run("providers", "disable", "anthropic");
        var list = await Run("providers", "list", "--json");
        var all = await Run("providers", "list", "--json", "--show-disabled");
        var enable = await Run("providers", "enable", "anthropic");
        var again = await Run("providers", "list", "--json");

        Assert.Equal((0, "disabled anthropic"), (disable.ExitCode, disable.Out.Trim()));
        Assert.DoesNotContain("\"anthropic\"", list.Out, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse(all.Out))
        {
            Assert.False(json.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "anthropic").GetProperty("enabled").GetBoolean());
        }

        Assert.Equal(0, enable.ExitCode);
        Assert.Contains("\"anthropic\"", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvidersDisable_Model_OnlyThatModelListedDisabled()
    {
        var run = await Run("providers", "disable", "openai/gpt-4o");
        var list = await Run("providers", "list", "--json");

        Assert.Equal("disabled model gpt-4o on openai", run.Out.Trim());
        using var json = JsonDocument.Parse(list.Out);
        var openai = json.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "openai");
        Assert.True(openai.GetProperty("enabled").GetBoolean());
        Assert.Equal(["gpt-4o"], openai.GetProperty("disabled_models").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task ProvidersDisable_UnknownName_SaysWhichExist()
    {
        var run = await Run("providers", "disable", "nope");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("error: unknown provider 'nope'; configured providers: anthropic, azure, google, groq, openai", run.Error.Trim());
    }

    [Fact]
    public async Task ProvidersPrefer_PerType_ShownInList()
    {
        var chat = await Run("providers", "prefer", "chat", "anthropic");
        var embeddings = await Run("providers", "prefer", "embeddings", "openai");
        var bad = await Run("providers", "prefer", "video", "openai");
        var list = await Run("providers", "list", "--json");

        Assert.Equal("anthropic is now preferred for chat", chat.Out.Trim());
        Assert.Equal(0, embeddings.ExitCode);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("use chat, embeddings, image or audio", bad.Error, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(list.Out);
        var rows = json.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["chat"], rows["anthropic"].GetProperty("preferred_for").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["embeddings"], rows["openai"].GetProperty("preferred_for").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task ProvidersStats_RecordedCallsAndLedgerCost_Reported()
    {
        var path = Path.Combine(_directory, "tollgate.db");
        var stateStore = SqliteProviderStateStore.ForFile(path);
        await stateStore.InitializeAsync(TestContext.Current.CancellationToken);
        var t0 = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        foreach (var (ok, ms) in new[] { (true, 90), (true, 140), (true, 180), (false, 2_500) })
        {
            await stateStore.RecordCallAsync(new ProviderCallRecord("openai", "gpt-4o", ok, TimeSpan.FromMilliseconds(ms), 0, t0), TestContext.Current.CancellationToken);
        }

        await using (var ledger = new SqliteLedgerStore(Tollgate.Hosting.TollgateStores.LedgerPathBeside(path)))
        {
            await ledger.AppendAsync(
            [
                new Tollgate.Ledger.UsageRecord { RequestId = "r1", Timestamp = t0, Provider = "openai", Model = "gpt-4o", Usage = new Usage { InputTokens = 1000, OutputTokens = 500 }, TotalCost = 0.0075m },
                new Tollgate.Ledger.UsageRecord { RequestId = "r2", Timestamp = t0, Provider = "openai", Model = "gpt-4o", Usage = new Usage { InputTokens = 10, OutputTokens = 5 }, TotalCost = 0.000075m },
                new Tollgate.Ledger.UsageRecord { RequestId = "r3", Timestamp = t0, Provider = "anthropic", Model = "claude-haiku-4-5", TotalCost = 1m },
            ], TestContext.Current.CancellationToken);
        }

        var run = await Run("providers", "stats", "openai", "--json");
        var text = await Run("providers", "stats", "openai");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("requests").GetInt64());
        Assert.Equal(1, root.GetProperty("failures").GetInt64());
        Assert.Equal(0.75, root.GetProperty("success_rate").GetDouble());
        Assert.Equal(150, root.GetProperty("latency_p50_ms").GetDouble());
        Assert.Equal(3_000, root.GetProperty("latency_p95_ms").GetDouble());
        Assert.Equal(0.007575m, root.GetProperty("cost").GetDecimal());
        Assert.Equal("ledger", root.GetProperty("cost_source").GetString());
        Assert.Contains("success rate  75.0%", text.Out, StringComparison.Ordinal);
        Assert.Contains("cost          $0.007575 (ledger)", text.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteExplain_BudgetForbidsPreferred_ChoosesAnotherAndExplains()
    {
        await Run("providers", "prefer", "chat", "anthropic");

        var run = await Run("route", "explain", "--model", "claude-sonnet-4-5", "--substitute", "--min-quality", "5", "--input-tokens", "1000", "--max-tokens", "500", "--budget-limit", "0.01", "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        var chosen = json.RootElement.GetProperty("chosen");
        Assert.NotEqual("anthropic", chosen.GetProperty("provider").GetString());
        Assert.True(chosen.GetProperty("worst_case_cost").GetDecimal() <= 0.01m);
        Assert.True(chosen.GetProperty("score").GetDouble() > 0);
        var sonnet = json.RootElement.GetProperty("alternatives").EnumerateArray().Single(a => a.GetProperty("model").GetString() == "claude-sonnet-4-5" && a.GetProperty("provider").GetString() == "anthropic");
        Assert.Equal(0.0105m, sonnet.GetProperty("worst_case_cost").GetDecimal());
        Assert.Equal("worst-case cost $0.0105 over the per-request limit $0.01", sonnet.GetProperty("excluded").GetString());
        Assert.Contains("preferred provider 'anthropic' passed over", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var groq = json.RootElement.GetProperty("alternatives").EnumerateArray().Where(a => a.GetProperty("provider").GetString() == "groq");
        Assert.All(groq, g => Assert.Equal("no API key: set GROQ_API_KEY", g.GetProperty("excluded").GetString()));
    }

    [Fact]
    public async Task RouteExplain_Gpt4o_ChoosesWithinBudgetAndRanksAlternatives()
    {
        var run = await Run("route", "explain", "--model", "gpt-4o", "--input-tokens", "1000", "--max-tokens", "500", "--budget-limit", "0.01", "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        var chosen = json.RootElement.GetProperty("chosen");
        Assert.True(chosen.GetProperty("worst_case_cost").GetDecimal() <= 0.01m);
        var eligible = json.RootElement.GetProperty("alternatives").EnumerateArray().Where(a => a.GetProperty("excluded").ValueKind == JsonValueKind.Null)
            .Select(a => a.GetProperty("score").GetDouble()).ToList();
        Assert.NotEmpty(eligible);
        Assert.Equal(eligible.OrderDescending(), eligible);
        Assert.All(eligible, s => Assert.True(s <= chosen.GetProperty("score").GetDouble()));
    }

    [Fact]
    public async Task RouteExplain_NothingFits_ExitsNonZeroAndSaysWhy()
    {
        var json = await Run("route", "explain", "--model", "gpt-4o", "--input-tokens", "1000", "--max-tokens", "500", "--budget-limit", "0.000001", "--json");
        var text = await Run("route", "explain", "--model", "gpt-4o", "--input-tokens", "1000", "--max-tokens", "500", "--budget-limit", "0.000001");

        Assert.Equal(1, json.ExitCode);
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("chosen").ValueKind);
        Assert.StartsWith("error: nothing can serve this request (", json.Error, StringComparison.Ordinal);
        Assert.Equal(1, text.ExitCode);
        Assert.StartsWith("no candidate: nothing can serve this request", text.Out, StringComparison.Ordinal);
        Assert.Contains("over the per-request limit $0.000001", text.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteExplain_ProviderDisabledFromCli_ExcludedFromRouting()
    {
        await Run("providers", "disable", "openai");

        var run = await Run("route", "explain", "--model", "gpt-4o", "--exact", "--input-tokens", "1000", "--max-tokens", "500", "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal("azure", json.RootElement.GetProperty("chosen").GetProperty("provider").GetString());
        var openai = json.RootElement.GetProperty("alternatives").EnumerateArray().Single(a => a.GetProperty("provider").GetString() == "openai");
        Assert.Equal("provider disabled", openai.GetProperty("excluded").GetString());
    }

    [Fact]
    public async Task RouteExplain_BadInput_SaysWhatToFix()
    {
        var run = await Run("route", "explain", "--model", "gpt-4o", "--max-tokens", "500", "--budget-limit", "-1");
        var missing = await CliRun.RunAsync("route", "explain", "--model", "gpt-4o", "--max-tokens", "10", "--config", Path.Combine(_directory, "missing.json"), "--store", _store);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--budget-limit must be a positive amount", run.Error, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("missing.json does not exist", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvidersBudget_AttachedUnderProviders_SetsTheGlobalBudget()
    {
        var run = await CliRun.RunAsync("providers", "budget", "100.0", "--store", _store);

        Assert.True(run.ExitCode == 0, run.Error);
        var store = await Tollgate.Sqlite.Budgets.SqliteBudgetStore.OpenAsync(Path.Combine(_directory, "tollgate.db"), TestContext.Current.CancellationToken);
        Assert.Equal(100.0m, (await store.GetAsync("global", TestContext.Current.CancellationToken))!.Limit);
    }

    [Fact]
    public async Task RealBinary_DisableThenListInProcess_SharesTheStore()
    {
        var start = new ProcessStartInfo(TollgateBinary.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var arg in new[] { "providers", "disable", "google", "--config", _config, "--store", _store })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var list = await Run("providers", "list", "--json", "--show-disabled");

        Assert.Equal(0, process.ExitCode);
        Assert.Equal("disabled google", output.Trim());
        using var json = JsonDocument.Parse(list.Out);
        Assert.False(json.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "google").GetProperty("enabled").GetBoolean());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
