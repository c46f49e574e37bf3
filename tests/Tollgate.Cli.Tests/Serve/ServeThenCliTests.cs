using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tollgate.Cli.Tests.Ledger;

namespace Tollgate.Cli.Tests.Serve;

/// <summary>
/// The real <c>tollgate serve</c> records calls, stops, and then every reporting command on the same store (named, or
/// the default from the same working directory) shows those calls: one layout for the gateway and the CLI.
/// </summary>
public sealed partial class ServeThenCliTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-serve-cli-" + Guid.NewGuid().ToString("N"));

    public ServeThenCliTests() => Directory.CreateDirectory(_directory);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ServeThenReports_DefaultSqliteStore_EveryCommandShowsTheGatewaysCalls()
    {
        var storePath = Path.Combine(_directory, "data", "tollgate.db");
        var expected = await ServeAndCallAsync([]);

        foreach (var store in new[] { null, "sqlite:" + storePath })
        {
            await AssertReportsShowAsync(store, expected);
        }

        Assert.True(File.Exists(TollgateStoresLedger(storePath)), "the gateway's ledger is beside its store");
    }

    [Fact]
    public async Task ServeThenReports_PostgreSqlStore_EveryCommandShowsTheGatewaysCalls()
    {
        var name = TestServices.NewName("tg_serve_cli_");
        var connectionString = await TestServices.CreatePostgresDatabaseAsync(name);
        try
        {
            var expected = await ServeAndCallAsync(["--store", connectionString]);
            await AssertReportsShowAsync(connectionString, expected);
        }
        finally
        {
            await TestServices.DropPostgresDatabaseAsync(name);
        }
    }

    [Fact]
    public async Task Reports_StoreThatDoesNotExist_FailNamingThePathAndCreateNothing()
    {
        var missing = Path.Combine(_directory, "nowhere", "tollgate.db");
        foreach (var args in new[] { new[] { "cost" }, ["export"], ["budget", "status"], ["keys", "list"], ["providers", "stats", "openai"], ["alerts"] })
        {
            var run = await RunCliAsync([.. args, "--store", "sqlite:" + missing]);
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("no Tollgate store at " + missing, run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("$0", run.Out, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(_directory, "nowhere")));
        var none = await RunCliAsync(["cost"]);
        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("no Tollgate store at " + Path.Combine(_directory, "data", "tollgate.db"), none.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "data")));
    }

    private static string TollgateStoresLedger(string path) => Tollgate.Hosting.TollgateStores.LedgerPathBeside(path);

    /// <summary>Sets a budget, runs the gateway on a fake upstream, makes calls, stops it gracefully; returns their summed cost.</summary>
    private async Task<(int Calls, decimal Cost)> ServeAndCallAsync(string[] storeArgs)
    {
        using var upstream = FakeOpenAI.Start();
        var config = Path.Combine(_directory, "tollgate.json");
        await File.WriteAllTextAsync(config, $$"""
            {"providersFromEnvironment": false, "providers": [{"name": "openai", "baseUrl": "{{upstream.BaseUrl}}v1", "apiKey": "sk-test"}]}
            """, Ct);
        var budget = await RunCliAsync(["budget", "set", "--scope", "global", "--limit", "100", "--period", "monthly", "--enforcement", "hard", "--id", "g", .. storeArgs]);
        Assert.True(budget.ExitCode == 0, budget.Error);

        using var process = Process.Start(new ProcessStartInfo(TollgateBinary.Path, ["serve", "--config", config, "--port", "0", .. storeArgs])
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            Uri? address = null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && !line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
            {
                if (Listening().Match(line) is { Success: true } match)
                {
                    address = new Uri(match.Groups[1].Value + "/");
                }
            }

            Assert.NotNull(address);
            var adminKey = (await File.ReadAllTextAsync(Path.Combine(_directory, "data", "admin.key"), Ct)).Trim();
            using var admin = new HttpClient { BaseAddress = address };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var created = await admin.PostAsync("/admin/keys", Json("""{"tenant":"acme","project":"demo"}"""), Ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var keyDoc = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
            using var client = new HttpClient { BaseAddress = address };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", keyDoc.RootElement.GetProperty("key").GetString());
            var cost = 0m;
            const int Calls = 3;
            for (var i = 0; i < Calls; i++)
            {
                using var chat = await client.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-4o-mini","max_tokens":30,"messages":[{"role":"user","content":"hi"}]}"""), Ct);
                Assert.True(chat.StatusCode == HttpStatusCode.OK, await chat.Content.ReadAsStringAsync(Ct));
                cost += decimal.Parse(chat.Headers.GetValues("x-tollgate-cost").Single(), CultureInfo.InvariantCulture);
            }

            Assert.True(cost > 0m);
            // A graceful stop (SIGTERM), as an operator stops it: the ledger and the counters are flushed on the way out.
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync(Ct);
            }

            using var exit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            exit.CancelAfter(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(exit.Token);
            return (Calls, cost);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private async Task AssertReportsShowAsync(string? store, (int Calls, decimal Cost) expected)
    {
        string[] storeArgs = store is null ? [] : ["--store", store];
        var cost = await RunCliAsync(["cost", "--json", .. storeArgs]);
        Assert.True(cost.ExitCode == 0, cost.Error);
        using (var doc = JsonDocument.Parse(cost.Out))
        {
            Assert.Equal(expected.Cost, decimal.Parse(doc.RootElement.GetProperty("total").GetString()!, CultureInfo.InvariantCulture));
        }

        var export = await RunCliAsync(["export", .. storeArgs]);
        Assert.True(export.ExitCode == 0, export.Error);
        Assert.Equal(expected.Calls, export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var stats = await RunCliAsync(["providers", "stats", "openai", "--json", "--config", Path.Combine(_directory, "tollgate.json"), .. storeArgs]);
        Assert.True(stats.ExitCode == 0, stats.Error);
        using (var doc = JsonDocument.Parse(stats.Out))
        {
            Assert.Equal(expected.Calls, doc.RootElement.GetProperty("requests").GetInt64());
            Assert.Equal(expected.Cost, doc.RootElement.GetProperty("cost").GetDecimal());
        }

        var status = await RunCliAsync(["budget", "status", "--json", .. storeArgs]);
        Assert.True(status.ExitCode == 0, status.Error);
        using (var doc = JsonDocument.Parse(status.Out))
        {
            var budget = doc.RootElement.GetProperty("budgets")[0];
            Assert.Equal("g", budget.GetProperty("id").GetString());
            Assert.Equal(expected.Cost, budget.GetProperty("spent").GetDecimal());
        }
    }

    /// <summary>Runs the real binary in the test's directory, so a command without --store uses ./data/tollgate.db as serve does.</summary>
    private async Task<CliRun> RunCliAsync(string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(TollgateBinary.Path, args)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return new CliRun(process.ExitCode, await output, await error);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [GeneratedRegex(@"(http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A loopback OpenAI chat endpoint that answers every call with the same usage.</summary>
    private sealed class FakeOpenAI : IDisposable
    {
        private readonly HttpListener _listener = new();

        private FakeOpenAI(int port)
        {
            BaseUrl = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(BaseUrl);
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string BaseUrl { get; }

        public static FakeOpenAI Start()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return new FakeOpenAI(port);
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var body = Encoding.UTF8.GetBytes("""
                    {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120}}
                    """);
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
