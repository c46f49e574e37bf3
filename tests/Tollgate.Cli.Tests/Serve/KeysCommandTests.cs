using Tollgate.Cli.Tests.Ledger;
using Tollgate.Keys;
using Tollgate.Sqlite.Keys;

namespace Tollgate.Cli.Tests.Serve;

public sealed class KeysCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-keys-cli-" + Guid.NewGuid().ToString("N"));

    private string Store => "sqlite:" + Path.Combine(_directory, "tollgate.db");

    [Fact]
    public async Task Keys_CreateListRevoke_KeyStoredHashedAndRevoked()
    {
        var created = await CliRun.RunAsync("keys", "create", "--store", Store, "--tenant", "acme", "--project", "bot", "--user", "alice", "--name", "support bot");

        Assert.Equal(0, created.ExitCode);
        var lines = created.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var id = lines.Single(l => l.StartsWith("id:", StringComparison.Ordinal))[3..].Trim();
        var key = lines.Single(l => l.StartsWith("key:", StringComparison.Ordinal))[4..].Trim();
        Assert.StartsWith("tg-", key);
        var store = SqliteKeyStore.ForFile(Path.Combine(_directory, "tollgate.db"));
        var found = await store.FindByHashAsync(KeyHash.Of(key), TestContext.Current.CancellationToken);
        Assert.Equal(("acme", "bot", "alice"), (found!.Tenant, found.Project, found.User));
        Assert.DoesNotContain(key, await File.ReadAllTextAsync(Path.Combine(_directory, "tollgate.db"), TestContext.Current.CancellationToken));

        var listed = await CliRun.RunAsync("keys", "list", "--store", Store);
        Assert.Contains(id, listed.Out);
        Assert.Contains("NAME", listed.Out);
        Assert.Matches($@"{id}\s+support bot\s+acme\s+bot\s+alice", listed.Out);
        Assert.DoesNotContain(key, listed.Out);

        var revoked = await CliRun.RunAsync("keys", "revoke", id, "--store", Store);
        Assert.Equal(0, revoked.ExitCode);
        Assert.True((await store.GetAsync(id, TestContext.Current.CancellationToken))!.IsRevoked);
        Assert.Contains("revoked", (await CliRun.RunAsync("keys", "list", "--store", Store)).Out);
    }

    [Fact]
    public async Task Keys_CreateWithoutTenantOrRevokeUnknown_ExitOneSayingWhatToFix()
    {
        var noTenant = await CliRun.RunAsync("keys", "create", "--store", Store);
        var unknown = await CliRun.RunAsync("keys", "revoke", "key_nope", "--store", Store);

        Assert.Equal(1, noTenant.ExitCode);
        Assert.Contains("--tenant is required", noTenant.Error);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no key with id 'key_nope'", unknown.Error);
    }

    [Fact]
    public async Task KeysRevoke_WhileGatewayRunsOnTheStore_KeyRefusedWithinASecond()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await Tollgate.Gateway.GatewayHost.StartAsync(new Tollgate.Gateway.Configuration.GatewayOptions
        {
            Port = 0,
            Store = Store,
            DataDirectory = _directory,
            AdminKey = "test-admin-key-0123456789abcdef",
            ProvidersFromEnvironment = false,
            Demo = true,
        }, new Tollgate.Gateway.GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, ct);
        var created = await CliRun.RunAsync("keys", "create", "--store", Store, "--tenant", "acme");
        var lines = created.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var id = lines.Single(l => l.StartsWith("id:", StringComparison.Ordinal))[3..].Trim();
        var key = lines.Single(l => l.StartsWith("key:", StringComparison.Ordinal))[4..].Trim();
        using var client = new HttpClient { BaseAddress = gateway.Address };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        async Task<System.Net.HttpStatusCode> CallAsync()
        {
            using var body = new StringContent("""{"model":"gpt-4o-mini","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json");
            using var response = await client.PostAsync("/v1/chat/completions", body, ct);
            return response.StatusCode;
        }

        // The key is now cached by the gateway (for 30 s): the revocation must still reach it through the store.
        Assert.Equal(System.Net.HttpStatusCode.OK, await CallAsync());
        Assert.Equal(System.Net.HttpStatusCode.OK, await CallAsync());

        var revoked = await CliRun.RunAsync("keys", "revoke", id, "--store", Store);
        var since = System.Diagnostics.Stopwatch.StartNew();
        var status = await CallAsync();
        while (status == System.Net.HttpStatusCode.OK && since.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50, ct);
            status = await CallAsync();
        }

        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, status);
        Assert.True(since.Elapsed < TimeSpan.FromSeconds(1.5), $"the revoked key was accepted for {since.Elapsed.TotalMilliseconds:0} ms");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
