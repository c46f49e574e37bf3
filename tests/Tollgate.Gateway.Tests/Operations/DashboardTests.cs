using System.Text.Json;
using System.Text.RegularExpressions;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Operations;

/// <summary>The Grafana dashboard in deploy/ queries only series the gateway's /metrics exports.</summary>
public sealed partial class DashboardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_EverySeriesItQueries_IsExportedByMetrics()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "5", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);
        using var call = await client.PostAsync("/v1/chat/completions", CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 10, messages = new[] { new { role = "user", content = "hi" } } }), Ct);
        Assert.True(call.IsSuccessStatusCode);
        using var refused = await gateway.ClientWithKey("tg-wrong").PostAsync("/v1/chat/completions", CostTests.Json(new { model = "gpt-4o-mini" }), Ct);
        var metrics = await gateway.Admin.GetStringAsync("/metrics", Ct);

        var queried = QueriedSeries(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "deploy", "grafana", "dashboards", "tollgate.json"), Ct));

        Assert.Contains("tollgate_tenant_cost_usd_total", queried);
        Assert.Contains("tollgate_request_duration_seconds_bucket", queried);
        Assert.True(queried.Count >= 8, "the dashboard queries too few series: " + string.Join(", ", queried));
        foreach (var series in queried)
        {
            var family = HistogramPart().Replace(series, "");
            var name = metrics.Contains($"# TYPE {family} histogram\n", StringComparison.Ordinal) ? family : series;
            Assert.True(metrics.Contains($"# TYPE {name} ", StringComparison.Ordinal), $"the dashboard queries {series}, which /metrics does not export");
            Assert.True(Regex.IsMatch(metrics, $"^{Regex.Escape(series)}[{{ ]", RegexOptions.Multiline), $"/metrics has no sample of {series}");
        }

        var cost = Assert.Single(await gateway.LedgerRecordsAsync()).TotalCost;
        Assert.Contains($"tollgate_tenant_cost_usd_total{{tenant=\"acme\"}} {cost.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n", metrics);
        Assert.Contains("tollgate_tenant_requests_total{tenant=\"acme\"} 1\n", metrics);
    }

    /// <summary>Metric names in every query: a name followed by a selector or range (<c>name{…}</c>, <c>name[5m]</c>) or named in label_values().</summary>
    private static SortedSet<string> QueriedSeries(string dashboardJson)
    {
        using var document = JsonDocument.Parse(dashboardJson);
        var expressions = new List<string>();
        Collect(document.RootElement, expressions);
        Assert.NotEmpty(expressions);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var expression in expressions)
        {
            var before = names.Count;
            foreach (Match m in Selector().Matches(expression))
            {
                names.Add(m.Groups["name"].Value);
            }

            foreach (Match m in LabelValues().Matches(expression))
            {
                names.Add(m.Groups["name"].Value);
            }

            Assert.True(names.Count > before || names.Overlaps(Selector().Matches(expression).Select(x => x.Groups["name"].Value)), $"no series found in the query {expression}");
        }

        return names;
    }

    private static void Collect(JsonElement element, List<string> expressions)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "expr" || (property.Name is "query" && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.Contains("label_values", StringComparison.Ordinal)))
                    {
                        expressions.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        Collect(property.Value, expressions);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, expressions);
                }

                break;
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tollgate.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Tollgate.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*[\{\[]")]
    private static partial Regex Selector();

    [GeneratedRegex(@"label_values\(\s*(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)")]
    private static partial Regex LabelValues();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramPart();
}
