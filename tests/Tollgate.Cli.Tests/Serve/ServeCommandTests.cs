using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tollgate.Cli.Tests.Ledger;

namespace Tollgate.Cli.Tests.Serve;

public sealed partial class ServeCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-serve-" + Guid.NewGuid().ToString("N"));

    public ServeCommandTests() => Directory.CreateDirectory(_directory);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_RealBinaryInDemoMode_KeysCostsAndReportsWorkEndToEnd()
    {
        using var process = Process.Start(new ProcessStartInfo(TollgateBinary.Path, ["serve", "--demo", "--port", "0"])
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            var banner = new StringBuilder();
            Uri? address = null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (address is null && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                banner.AppendLine(line);
                if (Listening().Match(line) is { Success: true } match)
                {
                    address = new Uri(match.Groups[1].Value + "/");
                }
            }

            Assert.NotNull(address);
            // The rest of the banner: wait for its last line.
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && !line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
            {
                banner.AppendLine(line);
            }

            var text = banner.ToString();
            Assert.Contains("demo", text);
            var adminKeyFile = Path.Combine(_directory, "data", "admin.key");
            Assert.Contains(adminKeyFile, text);
            Assert.True(File.Exists(Path.Combine(_directory, "data", "tollgate.db")));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(adminKeyFile));
            }

            var adminKey = (await File.ReadAllTextAsync(adminKeyFile, Ct)).Trim();
            Assert.DoesNotContain(adminKey, text);

            using var admin = new HttpClient { BaseAddress = address };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var created = await admin.PostAsync("/admin/keys", Json("""{"tenant":"acme","project":"demo","user":"me"}"""), Ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var keyDoc = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
            var key = keyDoc.RootElement.GetProperty("key").GetString()!;

            using var client = new HttpClient { BaseAddress = address };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var chat = await client.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-4o-mini","max_tokens":12,"messages":[{"role":"user","content":"What is Tollgate?"}]}"""), Ct);
            var body = await chat.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
            using var answer = JsonDocument.Parse(body);
            var usage = answer.RootElement.GetProperty("usage");
            // The demo provider is priced at OpenAI's gpt-4o-mini rates: 0.15 in, 0.60 out per million tokens.
            var expected = ((usage.GetProperty("prompt_tokens").GetInt64() * 0.15m) + (usage.GetProperty("completion_tokens").GetInt64() * 0.60m)) / 1_000_000m;
            Assert.Equal(expected, decimal.Parse(chat.Headers.GetValues("x-tollgate-cost").Single(), CultureInfo.InvariantCulture));

            using var report = JsonDocument.Parse(await admin.GetStringAsync("/admin/reports/cost?group_by=tenant", Ct));
            Assert.Equal(expected, decimal.Parse(report.RootElement.GetProperty("total").GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal("acme", report.RootElement.GetProperty("groups")[0].GetProperty("key").GetString());
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

    [Fact]
    public async Task Serve_InvalidConfiguration_ExitsNonZeroSayingWhatToFix()
    {
        var config = Path.Combine(_directory, "tollgate.json");
        await File.WriteAllTextAsync(config, """{"port": 4000, "providers": [{"name": "nonesuch"}], "rateLimits": [{"dimension": "team", "rpm": 5}]}""", Ct);

        var run = await CliRun.RunAsync("serve", "--config", config, "--data", Path.Combine(_directory, "data"), "--store", "memory");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error: providers[0] (nonesuch): 'nonesuch' is not a known provider", run.Error);
        Assert.Contains("dimension 'team' is unknown", run.Error);
        Assert.DoesNotContain("   at ", run.Error);
    }

    [Fact]
    public async Task Serve_MalformedConfigFile_ExitsNonZeroNamingTheFile()
    {
        var config = Path.Combine(_directory, "broken.json");
        await File.WriteAllTextAsync(config, "{\"port\": ", Ct);

        var run = await CliRun.RunAsync("serve", "--config", config);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is not valid JSON", run.Error);
        Assert.Contains("broken.json", run.Error);
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
}
