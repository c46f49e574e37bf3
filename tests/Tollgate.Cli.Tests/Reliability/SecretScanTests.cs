using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tollgate.Cli.Tests.Ledger;
using Tollgate.Gateway;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Cli.Tests.Reliability;

/// <summary>
/// The secret scan: a gateway run with real configured provider keys, an admin key and virtual keys — answers, streams,
/// refusals, a provider that echoes its key, admin changes — then every place a secret could end up is searched: the
/// log, the store files (SQLite with its WAL), <c>tollgate export</c> (JSON lines and CSV), <c>tollgate audit</c> and
/// <c>keys list</c>, <c>/metrics</c>, the admin API's answers and the clients' answers. Expected: no secret anywhere,
/// and virtual keys present in the store only as their hash.
/// </summary>
public sealed class SecretScanTests : IAsyncDisposable
{
    private const string OpenAiKey = "sk-proj-scan0penaiKEY4d9e7c1b2a";
    private const string AnthropicKey = "sk-ant-api03-scanANTHROPICkey8f3e";
    private const string AdminKey = "tg-admin-scanADMINkey0123456789abcdef";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-secret-scan-" + Guid.NewGuid().ToString("N")[..8]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Store => "sqlite:" + Path.Combine(_directory, "tollgate.db");

    [Fact]
    public async Task FullRun_LogsStoresExportsMetricsAdminAnswers_NoSecret()
    {
        Directory.CreateDirectory(_directory);
        var logs = new CapturedLogs();
        var seen = new StringBuilder();
        var virtualKeys = new List<string>();
        await using (var upstream = await FakeUpstream.StartAsync())
        {
            var gateway = await GatewayHost.StartAsync(new GatewayOptions
            {
                Port = 0,
                Store = Store,
                DataDirectory = _directory,
                AdminKey = AdminKey,
                ProvidersFromEnvironment = false,
                BudgetStatusCacheMilliseconds = 0,
                Providers =
                [
                    new ProviderEndpointOptions { Name = "openai", BaseUrl = upstream.OpenAiBase.ToString(), ApiKey = OpenAiKey },
                    new ProviderEndpointOptions { Name = "anthropic", BaseUrl = upstream.AnthropicBase.ToString(), ApiKey = AnthropicKey },
                ],
            }, new GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Debug, LogSink = logs }, Ct);
            await using (gateway)
            {
                using var admin = new HttpClient { BaseAddress = gateway.Address };
                admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
                async Task<string> AdminAsync(HttpMethod method, string path, object? body = null, bool scan = true)
                {
                    using var response = await admin.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) }, Ct);
                    var text = await response.Content.ReadAsStringAsync(Ct);
                    if (scan)
                    {
                        seen.Append(response.Headers).Append(text).Append('\n');
                    }

                    return text;
                }

                string? revokeId = null;
                foreach (var tenant in new[] { "acme", "globex" })
                {
                    // The one answer that carries a key by design (shown once, to the admin who created it) is not scanned.
                    using var created = JsonDocument.Parse(await AdminAsync(HttpMethod.Post, "/admin/keys", new { tenant, name = tenant + " bot" }, scan: false));
                    virtualKeys.Add(created.RootElement.GetProperty("key").GetString()!);
                    revokeId = created.RootElement.GetProperty("id").GetString();
                }

                await AdminAsync(HttpMethod.Post, "/admin/budgets", new { id = "acme", scope = new { tenant = "acme" }, limit = "5", period = "daily", enforcement = "hard" });
                await AdminAsync(HttpMethod.Post, "/admin/budgets", new { id = "tiny", scope = new { tenant = "globex" }, limit = "0.000001", period = "daily", enforcement = "hard" });

                using var client = new HttpClient { BaseAddress = gateway.Address };
                async Task CallAsync(string key, string path, string body)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    using var response = await client.SendAsync(request, Ct);
                    seen.Append(response.Headers).Append(response.Content.Headers).Append(await response.Content.ReadAsStringAsync(Ct)).Append('\n');
                }

                const string Chat = """{"model":"gpt-4o-mini","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}""";
                await CallAsync(virtualKeys[0], "/v1/chat/completions", Chat);
                await CallAsync(virtualKeys[0], "/v1/chat/completions", """{"model":"gpt-4o-mini","max_tokens":20,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
                await CallAsync(virtualKeys[0], "/v1/embeddings", """{"model":"text-embedding-3-small","input":"hi"}""");
                await CallAsync(virtualKeys[0], "/v1/messages", """{"model":"claude-haiku-4-5","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}""");
                await CallAsync(virtualKeys[1], "/v1/chat/completions", Chat); // refused by its tiny budget
                await CallAsync(virtualKeys[0] + "x", "/v1/chat/completions", Chat); // a wrong key
                await CallAsync(AdminKey, "/v1/chat/completions", Chat); // the admin key on a model call

                // A provider that echoes the credential it was called with, in an error and in an answer.
                upstream.Answer = (context, request) =>
                {
                    context.Response.StatusCode = 401;
                    context.Response.ContentType = "application/json";
                    return context.Response.WriteAsync("{\"error\":{\"message\":\"Incorrect API key provided: " + request.Headers.GetValueOrDefault("Authorization") + request.Headers.GetValueOrDefault("x-api-key") + "\",\"type\":\"invalid_request_error\"}}");
                };
                await CallAsync(virtualKeys[0], "/v1/chat/completions", Chat);
                await CallAsync(virtualKeys[0], "/v1/messages", """{"model":"claude-haiku-4-5","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}""");
                upstream.Answer = null;

                await AdminAsync(HttpMethod.Delete, "/admin/keys/" + revokeId);
                await AdminAsync(HttpMethod.Post, "/admin/providers/anthropic/disable");
                foreach (var path in new[] { "/admin/keys", "/admin/budgets", "/admin/audit", "/admin/providers", "/admin/reports/cost?group_by=key", "/admin/alerts", "/metrics" })
                {
                    await AdminAsync(HttpMethod.Get, path);
                }

                using var usage = new HttpRequestMessage(HttpMethod.Get, "/v1/tollgate/usage");
                usage.Headers.Authorization = new AuthenticationHeaderValue("Bearer", virtualKeys[0]);
                using var usageResponse = await client.SendAsync(usage, Ct);
                seen.Append(await usageResponse.Content.ReadAsStringAsync(Ct));
                Assert.True(upstream.RequestCount >= 6, "the run reached the provider");
            }
        }

        var sources = new Dictionary<string, string> { ["log"] = logs.All, ["http answers"] = seen.ToString() };
        foreach (var args in new[] { new[] { "export", "--format", "jsonl" }, ["export", "--format", "csv"], ["audit", "--json"], ["keys", "list"], ["budget", "list", "--json"] })
        {
            var run = await CliRun.RunAsync([.. args, "--store", Store]);
            Assert.True(run.ExitCode == 0, $"{string.Join(' ', args)}: {run.Error}");
            sources["tollgate " + string.Join(' ', args)] = run.Out + run.Error;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories))
        {
            sources["file " + Path.GetFileName(file)] = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file, Ct));
        }

        string[] secrets = [OpenAiKey, AnthropicKey, AdminKey, .. virtualKeys];
        var found = (from source in sources from secret in secrets where source.Value.Contains(secret, StringComparison.Ordinal) select $"{secret[..12]}… in {source.Key}").ToList();
        Assert.True(found.Count == 0, "secrets found: " + string.Join("; ", found));

        // Virtual keys are in the store only as their SHA-256.
        var store = string.Concat(sources.Where(s => s.Key.StartsWith("file tollgate.db", StringComparison.Ordinal)).Select(s => s.Value));
        Assert.All(virtualKeys, key => Assert.True(ContainsHash(store, key), "the key's hash is stored"));
        // The scan looked at real output: the echoed key arrived redacted, the export holds the calls.
        Assert.Contains("[redacted]", sources["http answers"], StringComparison.Ordinal);
        Assert.True(sources["tollgate export --format jsonl"].Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 5);
        TestContext.Current.SendDiagnosticMessage($"secret scan: {secrets.Length} secrets × {sources.Count} sources ({sources.Sum(s => s.Value.Length):N0} characters): 0 found");
    }

    private static bool ContainsHash(string store, string key)
    {
        var digest = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return store.Contains(Convert.ToHexStringLower(digest), StringComparison.Ordinal) || store.Contains(Convert.ToHexString(digest), StringComparison.Ordinal) ||
               store.Contains(Encoding.Latin1.GetString(digest), StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
