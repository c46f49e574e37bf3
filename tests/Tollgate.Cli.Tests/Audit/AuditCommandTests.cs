using System.Text.Json;
using Tollgate.Cli.Tests.Ledger;

namespace Tollgate.Cli.Tests.Audit;

/// <summary>
/// Changes made with the CLI are recorded in the store's audit log with actor <c>cli</c>, and <c>tollgate audit</c>
/// reads them back (newest first) — without a new key's secret.
/// </summary>
public sealed class AuditCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tg-cli-audit-" + Guid.NewGuid().ToString("N")[..8]);

    public AuditCommandTests() => Directory.CreateDirectory(_dir);

    private string Store => "sqlite:" + Path.Combine(_dir, "tollgate.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task CliChanges_RecordedAsCli_ReadBackWithoutSecrets()
    {
        Assert.Equal(0, (await CliRun.RunAsync("budget", "set", "--scope", "tenant:acme", "--limit", "10", "--period", "daily", "--enforcement", "hard", "--id", "acme", "--store", Store)).ExitCode);
        Assert.Equal(0, (await CliRun.RunAsync("budget", "set", "--scope", "tenant:acme", "--limit", "20", "--period", "daily", "--enforcement", "hard", "--id", "acme", "--store", Store)).ExitCode);
        var created = await CliRun.RunAsync("keys", "create", "--store", Store, "--tenant", "acme");
        Assert.Equal(0, created.ExitCode);
        var secret = created.Out.Split('\n').Single(l => l.StartsWith("key:", StringComparison.Ordinal))[4..].Trim();
        var keyId = created.Out.Split('\n').Single(l => l.StartsWith("id:", StringComparison.Ordinal))[3..].Trim();
        Assert.Equal(0, (await CliRun.RunAsync("keys", "revoke", keyId, "--store", Store)).ExitCode);
        Assert.Equal(0, (await CliRun.RunAsync("budget", "delete", "acme", "--store", Store)).ExitCode);

        var audit = await CliRun.RunAsync("audit", "--json", "--store", Store);

        Assert.Equal(0, audit.ExitCode);
        Assert.DoesNotContain(secret, audit.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(audit.Out);
        var entries = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["budget.delete", "key.revoke", "key.create", "budget.set", "budget.set"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal("cli", e.GetProperty("actor").GetString()));
        Assert.Equal("10", entries[3].GetProperty("before").GetProperty("limit").GetString());
        Assert.Equal("20", entries[3].GetProperty("after").GetProperty("limit").GetString());
        Assert.Equal(keyId, entries[2].GetProperty("target").GetString());

        var table = await CliRun.RunAsync("audit", "--since", "1h", "--store", Store);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("budget.delete", table.Out, StringComparison.Ordinal);
        var none = await CliRun.RunAsync("audit", "--since", "2999-01-01", "--store", Store);
        Assert.Contains("no changes since", none.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--since", "yesterday")]
    [InlineData("--limit", "0")]
    public async Task Audit_BadOption_NonZeroExitSayingWhatToFix(string option, string value)
    {
        Assert.Equal(0, (await CliRun.RunAsync("budget", "set", "--scope", "global", "--limit", "1", "--period", "daily", "--enforcement", "hard", "--store", Store)).ExitCode);

        var run = await CliRun.RunAsync("audit", option, value, "--store", Store);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }
}
