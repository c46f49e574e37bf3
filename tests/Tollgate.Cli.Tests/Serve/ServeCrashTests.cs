using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tollgate.Cli.Tests.Ledger;

namespace Tollgate.Cli.Tests.Serve;

/// <summary>
/// Settled spend survives a crash of the real <c>tollgate serve</c> binary: its in-process budget counters are written
/// behind (here: only once a minute, so the kill surely lands before any write), and at the next start they are rebuilt
/// from the ledger, which holds every settled call durably.
/// </summary>
public sealed partial class ServeCrashTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-crash-" + Guid.NewGuid().ToString("N"));

    public ServeCrashTests() => Directory.CreateDirectory(_directory);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_KilledWithSigkillAfterSettledCalls_RestartedBudgetShowsTheSpend()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "tollgate.json"), """{"budgetCountersFlushMilliseconds": 60000}""", Ct);
        decimal spent = 0;
        string budgetId;
        string adminKey;
        using (var first = await StartAsync())
        {
            adminKey = (await File.ReadAllTextAsync(Path.Combine(_directory, "data", "admin.key"), Ct)).Trim();
            using var admin = Client(first.Address, adminKey);
            using var budget = await admin.PostAsync("/admin/budgets", Json("""{"scope":{"tenant":"acme"},"limit":"5","currency":"USD","period":"daily","enforcement":"hard"}"""), Ct);
            Assert.Equal(HttpStatusCode.Created, budget.StatusCode);
            using (var doc = JsonDocument.Parse(await budget.Content.ReadAsStringAsync(Ct)))
            {
                budgetId = doc.RootElement.GetProperty("id").GetString()!;
            }

            using var created = await admin.PostAsync("/admin/keys", Json("""{"tenant":"acme","user":"me"}"""), Ct);
            using var keyDoc = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
            using var client = Client(first.Address, keyDoc.RootElement.GetProperty("key").GetString()!);
            for (var i = 0; i < 4; i++)
            {
                using var chat = await client.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-4o-mini","max_tokens":12,"messages":[{"role":"user","content":"What is Tollgate?"}]}"""), Ct);
                Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
                spent += decimal.Parse(chat.Headers.GetValues("x-tollgate-cost").Single(), CultureInfo.InvariantCulture);
            }

            Assert.True(spent > 0);
            Assert.Equal(spent, await BudgetSpentAsync(admin, budgetId));

            // Settled means recorded: wait until the ledger (the report reads it) holds all four calls, then SIGKILL.
            var waited = Stopwatch.StartNew();
            while (await LedgerTotalAsync(admin) != spent)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "the ledger did not record the settled calls");
                await Task.Delay(20, Ct);
            }

            first.Process.Kill(entireProcessTree: false);
            await first.Process.WaitForExitAsync(Ct);
        }

        using var second = await StartAsync();
        Assert.Contains("in process", second.Banner);
        using var admin2 = Client(second.Address, adminKey);
        Assert.Equal(spent, await BudgetSpentAsync(admin2, budgetId));
    }

    private static async Task<decimal> BudgetSpentAsync(HttpClient admin, string id)
    {
        using var doc = JsonDocument.Parse(await admin.GetStringAsync($"/admin/budgets/{id}", Ct));
        return decimal.Parse(doc.RootElement.GetProperty("spent").GetString()!, CultureInfo.InvariantCulture);
    }

    private static async Task<decimal> LedgerTotalAsync(HttpClient admin)
    {
        using var doc = JsonDocument.Parse(await admin.GetStringAsync("/admin/reports/cost?group_by=tenant", Ct));
        return decimal.Parse(doc.RootElement.GetProperty("total").GetString()!, CultureInfo.InvariantCulture);
    }

    private async Task<Server> StartAsync()
    {
        var process = Process.Start(new ProcessStartInfo(TollgateBinary.Path, ["serve", "--demo", "--port", "0", "--config", "tollgate.json"])
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var banner = new StringBuilder();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        Uri? address = null;
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && !line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
        {
            banner.AppendLine(line);
            if (Listening().Match(line) is { Success: true } match)
            {
                address = new Uri(match.Groups[1].Value + "/");
            }
        }

        if (address is null)
        {
            var error = await process.StandardError.ReadToEndAsync(Ct);
            process.Kill();
            Assert.Fail($"tollgate serve did not start: {banner}{error}");
        }

        return new Server(process, address!, banner.ToString());
    }

    private static HttpClient Client(Uri address, string key)
    {
        var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [GeneratedRegex(@"listening on (http://[0-9.]+:[0-9]+)")]
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

    private sealed record Server(Process Process, Uri Address, string Banner) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }

            Process.Dispose();
        }
    }
}
