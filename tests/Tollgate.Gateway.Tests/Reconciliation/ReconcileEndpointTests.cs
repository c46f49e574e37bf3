using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Reconciliation;

/// <summary><c>POST /admin/reconcile</c> over calls made through the gateway, with the capture-rate alert.</summary>
public sealed class ReconcileEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<UsageRecord>> CallAsync(TestGateway gateway, int calls)
    {
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        for (var i = 0; i < calls; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions",
                new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var records = await gateway.LedgerRecordsAsync();
        Assert.Equal(calls, records.Count);
        return records;
    }

    /// <summary>The provider's view of the gateway's records (the dated snapshot name), times <paramref name="factor"/>.</summary>
    private static List<ExportCell> Cells(List<UsageRecord> records, int factor = 1) =>
    [
        .. records.GroupBy(r => DateOnly.FromDateTime(r.Timestamp.UtcDateTime)).Select(g => new ExportCell(
            g.Key, "gpt-4o-2024-08-06", Input: factor * g.Sum(r => r.Usage.UncachedInputTokens), Cached: factor * g.Sum(r => r.Usage.CacheReadTokens),
            Output: factor * g.Sum(r => r.Usage.OutputTokens), Requests: factor * g.Count())),
    ];

    private static List<ExportCost> Costs(List<UsageRecord> records, int factor = 1) =>
    [
        .. records.GroupBy(r => DateOnly.FromDateTime(r.Timestamp.UtcDateTime)).Select(g => new ExportCost(
            g.Key, "gpt-4o-2024-08-06", ProviderExports.Usd(factor * g.Sum(r => r.TotalCostNanos)))),
    ];

    private static async Task<(HttpStatusCode Status, JsonDocument Body)> PostAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/admin/reconcile", body, Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)));
    }

    private static async Task<List<JsonElement>> ReconciliationAlertsAsync(TestGateway gateway)
    {
        using var alerts = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/alerts", Ct));
        return [.. alerts.RootElement.GetProperty("data").EnumerateArray().Where(a => a.GetProperty("kind").GetString() == "reconciliation").Select(a => a.Clone())];
    }

    [Fact]
    public async Task Reconcile_ExportsMatchingTheGatewaysCalls_CaptureRateOneNoAlert()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.Reconciliation.MinCaptureRate = 0.95m);
        var records = await CallAsync(gateway, 4);

        var (status, body) = await PostAsync(gateway.Admin, new
        {
            provider = "openai",
            usage = new object[] { JsonDocument.Parse(ProviderExports.OpenAiUsagePages(Cells(records)).Single()).RootElement },
            costs = new object[] { new { name = "costs.json", content = ProviderExports.AsArray(ProviderExports.OpenAiCostPages(Costs(records))) } },
        });

        using (body)
        {
            Assert.True(status == HttpStatusCode.OK, body.RootElement.ToString());
            Assert.Equal(1m, body.RootElement.GetProperty("capture_rate").GetDecimal());
            Assert.Equal(0, body.RootElement.GetProperty("differences").GetArrayLength());
            Assert.Equal(Money.Format(Money.FromNanos(records.Sum(r => r.TotalCostNanos))), body.RootElement.GetProperty("ledger_usd").GetString());
            Assert.Equal(body.RootElement.GetProperty("ledger_usd").GetString(), body.RootElement.GetProperty("provider_usd").GetString());
        }

        Assert.Empty(await ReconciliationAlertsAsync(gateway));
    }

    [Fact]
    public async Task Reconcile_CallsAroundTheGateway_UntrackedAndAlertBelowTheMinimum()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.Reconciliation.MinCaptureRate = 0.95m);
        var records = await CallAsync(gateway, 3);

        // The provider billed three times what went through Tollgate: a third captured.
        var (status, body) = await PostAsync(gateway.Admin, new
        {
            provider = "openai",
            usage = new[] { ProviderExports.OpenAiUsageCsv(Cells(records, factor: 3)) },
            costs = new[] { ProviderExports.OpenAiCostCsv(Costs(records, factor: 3)) },
        });

        using (body)
        {
            Assert.True(status == HttpStatusCode.OK, body.RootElement.ToString());
            var capture = body.RootElement.GetProperty("capture_rate").GetDecimal();
            Assert.InRange(capture, 0.333333m, 0.333334m);
            var differences = body.RootElement.GetProperty("differences").EnumerateArray().ToList();
            Assert.Equal(["input", "output", "requests", "cost"], differences.Select(d => d.GetProperty("kind").GetString()));
            Assert.All(differences, d => Assert.Equal("untracked_calls", d.GetProperty("cause").GetString()));
            Assert.Equal((2 * records.Count).ToString(System.Globalization.CultureInfo.InvariantCulture), differences[2].GetProperty("delta").GetString());
        }

        var alert = Assert.Single(await ReconciliationAlertsAsync(gateway));
        Assert.Equal("warning", alert.GetProperty("severity").GetString());
        Assert.Contains("below the configured", alert.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_BodyOverTheLimitOrNotJson_413And400()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.MaxRequestBodyBytes = 4096);
        var big = ProviderExports.OpenAiUsageCsv([.. Enumerable.Range(0, 100).Select(i => new ExportCell(new DateOnly(2026, 11, 2).AddDays(i), "gpt-4o", 1000))]);

        using var tooLarge = await gateway.Admin.PostAsJsonAsync("/admin/reconcile", new { provider = "openai", usage = new[] { big } }, Ct);
        using var broken = await gateway.Admin.PostAsync("/admin/reconcile", new StringContent("{\"provider\": \"openai\", \"usage\": [", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("maxRequestBodyBytes", await tooLarge.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("not valid JSON", await broken.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_MinCaptureRate_ReadFromTheFileAndRangeChecked()
    {
        var dir = Directory.CreateTempSubdirectory("tg-reconcile-config-").FullName;
        var good = Path.Combine(dir, "good.json");
        var bad = Path.Combine(dir, "bad.json");
        await File.WriteAllTextAsync(good, """{"reconciliation": {"minCaptureRate": 0.97}}""", Ct);
        await File.WriteAllTextAsync(bad, """{"reconciliation": {"minCaptureRate": 1.5}}""", Ct);

        var options = Tollgate.Gateway.Configuration.GatewayConfiguration.Load(good, environment: _ => null);
        var errors = Tollgate.Gateway.Configuration.GatewayConfiguration.Load(bad, environment: _ => null).Validate(_ => null);

        Assert.Equal(0.97m, options.Reconciliation.MinCaptureRate);
        Assert.Empty(options.Validate(_ => null));
        Assert.Contains(errors, e => e.Contains("reconciliation.minCaptureRate 1.5 is out of range", StringComparison.Ordinal));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Reconcile_BadInput_400InOpenAiShapeNamingTheFile()
    {
        await using var gateway = await TestGateway.StartAsync();
        var records = await CallAsync(gateway, 1);
        var page = ProviderExports.OpenAiUsagePages(Cells(records)).Single();
        var cases = new (object Body, string Expected)[]
        {
            (new { provider = "openai", usage = new[] { page[..(page.Length / 2)] } }, "usage[0]: not valid JSON"),
            (new { provider = "openai", usage = new[] { page, page } }, "(overlapping pages)"),
            (new { provider = "openai", usage = new[] { page.Replace("gpt-4o-2024-08-06", "gpt-unknown-1", StringComparison.Ordinal) } }, "unknown model"),
            (new { provider = "anthropic", usage = new[] { new { name = "openai-usage.json", content = page } } }, "usage[0] (openai-usage.json): this is the OpenAI usage export"),
            (new { provider = "openai", usage = new[] { page }, costs = new[] { page } }, "costs[0]: this is the OpenAI usage export"),
            (new { provider = "gemini", usage = new[] { page } }, "\"provider\" must be \"openai\" or \"anthropic\""),
            (new { provider = "openai" }, "\"usage\" must list at least one usage export"),
            (new { provider = "openai", usage = new[] { page }, since = "2026-01-01" }, "\"since\" is not a field of this request"),
            (new { provider = "openai", usage = new[] { page }, from = "yesterday" }, "\"from\" must be a date"),
        };

        foreach (var (request, expected) in cases)
        {
            var (status, body) = await PostAsync(gateway.Admin, request);
            using (body)
            {
                Assert.Equal(HttpStatusCode.BadRequest, status);
                var error = body.RootElement.GetProperty("error");
                Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            }
        }

        using var notAdmin = await gateway.Http.PostAsJsonAsync("/admin/reconcile", new { provider = "openai", usage = new[] { page } }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, notAdmin.StatusCode);
        using var openApi = JsonDocument.Parse(await gateway.Http.GetStringAsync("/openapi.json", Ct));
        Assert.True(openApi.RootElement.GetProperty("paths").TryGetProperty("/admin/reconcile", out _));
    }
}
