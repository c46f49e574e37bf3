using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tollgate.Cli.Tests.Ledger;

namespace Tollgate.Cli.Tests.Serve;

/// <summary><c>tollgate route explain</c> answers what <c>tollgate serve</c> with the same configuration then does.</summary>
public sealed partial class RouteExplainParityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-route-" + Guid.NewGuid().ToString("N"));

    public RouteExplainParityTests() => Directory.CreateDirectory(_directory);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RouteExplain_DemoGateway_ChoosesTheProviderAndModelTheGatewayThenUses()
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
            var address = await ListeningAddressAsync(process);
            var store = "sqlite:" + Path.Combine(_directory, "data", "tollgate.db");
            using var admin = new HttpClient { BaseAddress = address };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(Path.Combine(_directory, "data", "admin.key"), Ct)).Trim());
            using var created = await admin.PostAsync("/admin/keys", new StringContent("""{"tenant":"acme"}""", Encoding.UTF8, "application/json"), Ct);
            using var keyDoc = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
            using var client = new HttpClient { BaseAddress = address };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", keyDoc.RootElement.GetProperty("key").GetString());

            foreach (var model in new[] { "gpt-4o-mini", "gpt-4o", "claude-haiku-4-5", "claude-sonnet-4-5" })
            {
                var explain = await CliRun.RunAsync("route", "explain", "--model", model, "--max-tokens", "20", "--demo", "--store", store, "--json");
                Assert.True(explain.ExitCode == 0, explain.Error + explain.Out);
                using var decision = JsonDocument.Parse(explain.Out);
                var chosen = decision.RootElement.GetProperty("chosen");

                using var answer = await client.PostAsync("/v1/chat/completions",
                    new StringContent($$"""{"model":"{{model}}","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);
                var body = await answer.Content.ReadAsStringAsync(Ct);
                Assert.True(answer.IsSuccessStatusCode, body);
                using var completion = JsonDocument.Parse(body);

                Assert.Equal(chosen.GetProperty("provider").GetString(), answer.Headers.GetValues("x-tollgate-provider").Single());
                Assert.Equal(chosen.GetProperty("model").GetString(), completion.RootElement.GetProperty("model").GetString());
                Assert.Equal(model, chosen.GetProperty("model").GetString());
            }
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
    public async Task RouteExplain_SeveralProvidersByDefault_KeepsTheRequestedModelAsTheGatewayDoes()
    {
        var config = Path.Combine(_directory, "tollgate.json");
        await File.WriteAllTextAsync(config, """
            {"providersFromEnvironment": false, "providers": [
              {"name": "openai", "apiKey": "sk-test"}, {"name": "anthropic", "apiKey": "sk-ant-test"}, {"name": "deepseek", "apiKey": "ds-test"}]}
            """, Ct);

        var run = await CliRun.RunAsync("route", "explain", "--model", "gpt-4o", "--input-tokens", "500", "--max-tokens", "500", "--config", config, "--store", "sqlite:" + Path.Combine(_directory, "tollgate.db"), "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Out);
        Assert.Equal("openai", json.RootElement.GetProperty("chosen").GetProperty("provider").GetString());
        Assert.Equal("gpt-4o", json.RootElement.GetProperty("chosen").GetProperty("model").GetString());
        Assert.All(json.RootElement.GetProperty("attempts").EnumerateArray(), a => Assert.Equal("gpt-4o", a.GetProperty("model").GetString()));
    }

    [Fact]
    public async Task RouteExplain_NoProviderAtAll_SaysHowToGetOne()
    {
        var config = Path.Combine(_directory, "empty.json");
        await File.WriteAllTextAsync(config, """{"providersFromEnvironment": false}""", Ct);

        var run = await CliRun.RunAsync("route", "explain", "--model", "gpt-4o-mini", "--max-tokens", "10", "--config", config, "--store", "sqlite:" + Path.Combine(_directory, "tollgate.db"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("add --demo", run.Out);
    }

    [Fact]
    public async Task Serve_NoProviderKeysAnywhere_BannerSaysExactlyWhatToDoNext()
    {
        var start = new ProcessStartInfo(TollgateBinary.Path, ["serve", "--port", "0"])
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.EndsWith("_API_KEY", StringComparison.Ordinal) || k.StartsWith("TOLLGATE", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        try
        {
            var banner = new StringBuilder();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && !line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
            {
                banner.AppendLine(line);
            }

            var text = banner.ToString();
            Assert.Contains("providers: none ready, so every model call will be refused", text);
            Assert.Contains("dotnet run --project src/Tollgate.Cli -c Release -- serve --demo", text);
            Assert.Contains("export OPENAI_API_KEY=", text);
            Assert.Contains("--config tollgate.json", text);
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

    private static async Task<Uri> ListeningAddressAsync(Process process)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        Uri? address = null;
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && !line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
        {
            if (Listening().Match(line) is { Success: true } match)
            {
                address = new Uri(match.Groups[1].Value + "/");
            }
        }

        return address ?? throw new InvalidOperationException("the gateway did not say where it listens");
    }

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
