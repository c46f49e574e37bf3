using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// The bad-input corpus through real HTTP: every door and the admin API, each case a client's mistake. Nothing may
/// reach the provider, be held against or recorded in a budget or the ledger, change the admin state, answer 5xx or
/// log a stack trace; every answer is in the door's own error shape and names what is wrong.
/// </summary>
public sealed class BadInputCorpusTests
{
    private const long MaxBodyBytes = 6 * 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Corpus_EveryCase_RefusedWithoutForwardingHoldingOrRecording()
    {
        var logs = new CapturedLogs();
        await using var gateway = await TestGateway.StartAsync((o, _) => o.MaxRequestBodyBytes = MaxBodyBytes,
            new GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Debug, LogSink = logs });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { id = "acme-daily", scope = new { tenant = "acme" }, limit = "5", period = "daily", enforcement = "hard" });
        await gateway.CreateBudgetAsync(new { id = "global-daily", scope = new { }, limit = "50", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        var cases = BadInputCorpus.All(MaxBodyBytes);
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        foreach (var c in cases)
        {
            var http = c.Path.StartsWith("/admin", StringComparison.Ordinal) ? gateway.Admin : client;
            using var request = new HttpRequestMessage(HttpMethod.Post, c.Path) { Content = new ByteArrayContent(c.Body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType ?? "application/json");
            using var response = await http.SendAsync(request, Ct);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var text = await response.Content.ReadAsStringAsync(Ct);
            var problem = Check(c, status, text);
            if (problem is not null)
            {
                failures.Add($"{c.Name}: {problem} — {status} {text[..Math.Min(300, text.Length)]}");
            }
        }

        Assert.True(cases.Count >= 300, $"the corpus has {cases.Count} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases answered wrongly:\n" + string.Join("\n", failures));
        Assert.DoesNotContain(statuses.Keys, s => s >= 500);
        Assert.Equal(0, gateway.Upstream.RequestCount);
        Assert.Empty(await gateway.LedgerRecordsAsync());

        // No spend and no hold left on any budget; no budget, key or provider preference made by a refused admin body.
        using var budgets = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/budgets", Ct));
        var data = budgets.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["acme-daily", "global-daily"], data.Select(b => b.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        Assert.All(data, b =>
        {
            Assert.Equal(0m, decimal.Parse(b.GetProperty("spent").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(0m, decimal.Parse(b.GetProperty("held").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        });
        using var keys = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/keys", Ct));
        Assert.Single(keys.RootElement.GetProperty("data").EnumerateArray());
        using var providers = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/providers", Ct));
        Assert.All(providers.RootElement.GetProperty("data").EnumerateArray(), p => Assert.Empty(p.GetProperty("preferred_for").EnumerateArray()));

        Assert.Empty(logs.WithStackTraces());
        TestContext.Current.SendDiagnosticMessage($"bad-input corpus: {cases.Count} requests; statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}; upstream 0; ledger 0");
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/responses")]
    [InlineData("/v1/embeddings")]
    [InlineData("/v1/messages")]
    [InlineData("/v1/messages/count_tokens")]
    [InlineData("/admin/budgets")]
    [InlineData("/admin/keys")]
    [InlineData("/admin/providers/openai/prefer")]
    public async Task BaseBody_Valid_Served(string path)
    {
        // The corpus's mutations are refused because of the mutation: each base body alone is served.
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = path.StartsWith("/admin", StringComparison.Ordinal) ? null : gateway.ClientWithKey(key);
        using var response = await (client ?? gateway.Admin).PostAsync(path, new StringContent(BadInputCorpus.BaseBody(path), Encoding.UTF8, "application/json"), Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private static string? Check(BadInputCorpus.Case c, int status, string text)
    {
        if (status != c.Status)
        {
            return $"expected {c.Status}";
        }

        JsonElement error;
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement.Clone();
            if (c.AnthropicShape)
            {
                if (!root.TryGetProperty("type", out var type) || type.GetString() != "error")
                {
                    return "not in Anthropic's error shape (type: error)";
                }
            }

            if (!root.TryGetProperty("error", out error) || !error.TryGetProperty("type", out _) ||
                !error.TryGetProperty("message", out var message) || string.IsNullOrWhiteSpace(message.GetString()))
            {
                return "no error.type and error.message";
            }

            if (!c.AnthropicShape && !error.TryGetProperty("param", out _))
            {
                return "not in OpenAI's error shape (error.param)";
            }
        }
        catch (JsonException)
        {
            return "the answer is not JSON";
        }

        if (c.Mentions is { } field)
        {
            var message = error.GetProperty("message").GetString()!;
            var param = error.TryGetProperty("param", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
            if (!message.Contains(field, StringComparison.Ordinal) && !message.Contains(field.Replace('_', ' '), StringComparison.Ordinal) &&
                !param.StartsWith(field, StringComparison.Ordinal))
            {
                return $"the error does not name '{field}'";
            }
        }

        return null;
    }
}
