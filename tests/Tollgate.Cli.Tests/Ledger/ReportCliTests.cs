using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary>
/// <c>tollgate report</c> on a realistic 90-day ledger: every part adds up to the ledger's total, the HTML is one
/// self-contained file that renders in Chromium (screenshots kept as artifacts), bad input is refused.
/// </summary>
public sealed class ReportCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tollgate-report-").FullName;

    private string Store() => "sqlite:" + Path.Combine(_dir, "tollgate.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>90 days from 1 Sep 2026: office hours busier, weekends quieter, traffic growing, four models, three tenants.</summary>
    private async Task SeedAsync()
    {
        (string Provider, string Model, decimal Cost, int Latency)[] models =
            [("openai", "gpt-4o", 0.01m, 900), ("openai", "gpt-4o-mini", 0.0006m, 500), ("anthropic", "claude-sonnet-4-5", 0.012m, 1200), ("google", "gemini-2.5-flash", 0.0009m, 700)];
        string[] tenants = ["acme", "globex", "initech"];
        var random = new Random(7);
        var start = new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);
        var lines = new List<string>();
        for (var day = 0; day < 90; day++)
        {
            for (var hour = 0; hour < 24; hour++)
            {
                var at = start.AddDays(day).AddHours(hour);
                var n = (int)((hour is >= 8 and <= 18 ? 4 : 1) * (at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.5 : 1) * (1 + (day / 90.0)));
                for (var k = 0; k < n; k++)
                {
                    var m = models[random.Next(models.Length)];
                    var cost = Math.Round(m.Cost * (decimal)(0.5 + random.NextDouble()), 6);
                    lines.Add($$"""{"request_id":"r{{lines.Count}}","attempt":1,"timestamp":"{{at.AddMinutes(random.Next(60)):yyyy-MM-dd'T'HH:mm:ss'Z'}}","provider":"{{m.Provider}}","model":"{{m.Model}}","tenant":"{{tenants[random.Next(3)]}}","project":"{{(k % 2 == 0 ? "web" : "batch")}}","input_tokens":1000,"cache_read_tokens":{{(m.Provider == "google" ? 0 : 200)}},"output_tokens":300,"cost_usd":"{{cost.ToString(CultureInfo.InvariantCulture)}}","latency_ms":{{(int)(m.Latency * (0.6 + random.NextDouble()))}},"success":{{(random.Next(50) == 0 ? "false" : "true")}}}""");
                }
            }
        }

        var path = Path.Combine(_dir, "ledger.jsonl");
        await File.WriteAllLinesAsync(path, lines, Ct);
        Assert.Equal(0, (await CliRun.RunAsync("import", path, "--store", Store())).ExitCode);
        Assert.Equal(0, (await CliRun.RunAsync("budget", "set", "--scope", "tenant:acme", "--id", "acme-monthly", "--limit", "50", "--period", "monthly", "--enforcement", "hard", "--store", Store())).ExitCode);
    }

    private static decimal Money(JsonElement e) => decimal.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Report_Json_EveryPartAddsUpToTheLedgerTotalInBerlin()
    {
        await SeedAsync();
        string[] range = ["--from", "2026-09-01", "--to", "2026-11-29", "--tz", "Europe/Berlin", "--store", Store()];

        var run = await CliRun.RunAsync(["report", "--format", "json", .. range]);
        var cost = await CliRun.RunAsync(["cost", "--json", .. range]);

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Out);
        using var costDoc = JsonDocument.Parse(cost.Out);
        var root = doc.RootElement;
        var total = Money(root.GetProperty("total"));
        Assert.Equal(Money(costDoc.RootElement.GetProperty("total")), total);
        Assert.True(total > 0);
        Assert.Equal(total, root.GetProperty("trend").GetProperty("points").EnumerateArray().Sum(p => Money(p.GetProperty("cost"))));
        Assert.Equal(90, root.GetProperty("trend").GetProperty("points").GetArrayLength()); // 1 Sep – 29 Nov in Berlin, across the DST change
        Assert.Equal("up", root.GetProperty("trend").GetProperty("direction").GetString());
        foreach (var breakdown in root.GetProperty("breakdowns").EnumerateObject())
        {
            Assert.Equal(total, breakdown.Value.GetProperty("groups").EnumerateArray().Sum(g => Money(g.GetProperty("cost"))));
            Assert.True(breakdown.Value.TryGetProperty("previous_total", out _), breakdown.Name);
        }

        Assert.Equal(total, root.GetProperty("comparison").GetProperty("rows").EnumerateArray().Sum(r => Money(r.GetProperty("cost"))));
        Assert.Equal(total, Money(root.GetProperty("patterns").GetProperty("total")));
        Assert.Equal("acme-monthly", root.GetProperty("budgets")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Report_MarkdownAndHtml_SelfContainedAndRenderedInChromium()
    {
        await SeedAsync();
        var html = Path.Combine(_dir, "report.html");
        string[] range = ["--from", "2026-09-01", "--to", "2026-11-29", "--tz", "Asia/Kolkata", "--store", Store()];

        var md = await CliRun.RunAsync(["report", "--format", "md", .. range]);
        var written = await CliRun.RunAsync(["report", "--format", "html", "-o", html, .. range]);
        var cost = await CliRun.RunAsync(["cost", "--json", .. range]);

        Assert.True(written.ExitCode == 0, written.Error);
        using var costDoc = JsonDocument.Parse(cost.Out);
        var total = costDoc.RootElement.GetProperty("total").GetString()!;
        Assert.Contains($"| Total cost | {total} USD |", md.Out, StringComparison.Ordinal);
        foreach (var section in new[] { "## Summary", "## Spend per day", "### By provider", "### By tenant", "## Models side by side", "### By weekday", "## Budgets (now)" })
        {
            Assert.Contains(section, md.Out, StringComparison.Ordinal);
        }

        var text = await File.ReadAllTextAsync(html, Ct);
        Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=", text, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(html + ".partial"));

        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using (playwright)
        {
            await using (browser)
            {
                foreach (var (name, width) in new[] { ("desktop", 1280), ("mobile", 360) })
                {
                    var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 } });
                    await page.GotoAsync(new Uri(html).AbsoluteUri);
                    Assert.Equal("Tollgate spend report", await page.TitleAsync());
                    Assert.Equal(6, await page.Locator("svg").CountAsync()); // trend, four breakdowns, heatmap
                    var card = await page.Locator(".card b").First.InnerTextAsync();
                    Assert.Equal($"{total} USD", card);
                    var hover = await page.Locator("svg rect title").First.TextContentAsync();
                    Assert.Contains("requests", hover, StringComparison.Ordinal);
                    var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
                    Assert.False(overflow, $"the page scrolls sideways at {width} px");
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestBrowser.ArtifactsDirectory, $"report-{name}.png"), FullPage = true });
                    await page.CloseAsync();
                }
            }
        }
    }

    [Theory]
    [InlineData("--from", "2026-11-02", "--to", "2026-11-01", "--from")]
    [InlineData("--tz", "Mars/Olympus", "--from", "2026-11-01", "Mars/Olympus")]
    [InlineData("--from", "2024-01-01", "--to", "2026-11-01", "at most 366 days")]
    public async Task Report_BadInput_SaysWhatToFixAndWritesNothing(string o1, string v1, string o2, string v2, string message)
    {
        await SeedAsync();
        var html = Path.Combine(_dir, "bad.html");

        var run = await CliRun.RunAsync("report", o1, v1, o2, v2, "--format", "html", "-o", html, "--store", Store());

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(html));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
