using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tollgate.Costing;
using Tollgate.Cli.Tests.Ledger;
using Tollgate.Ledger;

namespace Tollgate.Cli.Tests.Serve;

/// <summary>The dashboard's CSV export (Explore, in Chromium) is byte for byte what <c>tollgate export --format csv</c> prints for the same filter, tags included.</summary>
public sealed class DashboardExportCliTests : IDisposable
{
    private const string AdminKey = "test-admin-key-0123456789abcdef";

    private readonly string _directory = Directory.CreateTempSubdirectory("tg-dashboard-export-").FullName;

    private string Store => "sqlite:" + Path.Combine(_directory, "tollgate.db");

    private static UsageRecord Record(string id, DateTimeOffset at, string tenant, string model, decimal cost) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = "openai",
        Model = model,
        Tenant = tenant,
        Project = "p, with \"quotes\"",
        User = "alice",
        Tags = new Dictionary<string, string> { ["feature"] = "search" },
        Usage = new Usage { InputTokens = 1200, CacheReadTokens = 200, OutputTokens = 300 },
        InputCost = cost / 4,
        OutputCost = cost * 3 / 4,
        TotalCost = cost,
        LatencyMs = 420,
        PriceSource = "genai-prices",
    };

    [Fact]
    public async Task ExploreCsvExport_KolkataDaysTenantAndTag_EqualsCliExport()
    {
        var ct = TestContext.Current.CancellationToken;
        string downloaded;
        await using (var gateway = await Tollgate.Gateway.GatewayHost.StartAsync(new Tollgate.Gateway.Configuration.GatewayOptions
        {
            Port = 0,
            Store = Store,
            DataDirectory = _directory,
            AdminKey = AdminKey,
            ProvidersFromEnvironment = false,
            Demo = true,
        }, new Tollgate.Gateway.GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, ct))
        {
            // Kolkata is +05:30: its 2 October starts at 18:30 UTC on 1 October.
            await gateway.Services.GetRequiredService<ILedgerStore>().AppendAsync(
            [
                Record("before-start", new DateTimeOffset(2026, 10, 1, 18, 29, 59, TimeSpan.Zero), "acme", "gpt-4o", 0.1m),
                Record("at-start", new DateTimeOffset(2026, 10, 1, 18, 30, 0, TimeSpan.Zero), "acme", "gpt-4o", 0.123456789m),
                Record("inside", new DateTimeOffset(2026, 10, 2, 12, 0, 0, TimeSpan.Zero), "acme", "ft:gpt-4o:acme,\"v2\"", 1.5m),
                Record("other-tenant", new DateTimeOffset(2026, 10, 2, 12, 0, 0, TimeSpan.Zero), "globex", "gpt-4o", 2m),
                Record("other-feature", new DateTimeOffset(2026, 10, 2, 13, 0, 0, TimeSpan.Zero), "acme", "gpt-4o", 0.5m) with { Tags = new Dictionary<string, string> { ["feature"] = "chat" } },
                Record("last-minute", new DateTimeOffset(2026, 10, 3, 18, 29, 0, TimeSpan.Zero), "acme", "gpt-4o-mini", 0.000000001m),
                Record("after-end", new DateTimeOffset(2026, 10, 3, 18, 30, 0, TimeSpan.Zero), "acme", "gpt-4o", 3m),
            ], ct);

            var (playwright, browser) = await TestBrowser.LaunchAsync();
            using (playwright)
            {
                await using (browser)
                {
                    var page = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = gateway.Address.ToString(), AcceptDownloads = true });
                    page.SetDefaultTimeout(20_000);
                    await page.GotoAsync("/");
                    await page.Locator("#signin-key").FillAsync(AdminKey);
                    await page.Locator("#signin button[type=submit]").ClickAsync();
                    await page.Locator("#signout").WaitForAsync();
                    await page.EvaluateAsync("() => { document.getElementById('view').dataset.loaded = 'false'; location.hash = '#/explore?from=2026-10-02&to=2026-10-03&tz=Asia/Kolkata&tenant=acme&tag=feature%3Dsearch'; }");
                    await page.WaitForSelectorAsync("main[data-loaded=true]");
                    Assert.Contains("tenant = acme", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
                    Assert.Contains("tag = feature=search", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
                    var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#export-csv").ClickAsync());
                    var path = Path.Combine(_directory, "dashboard.csv");
                    await download.SaveAsAsync(path);
                    downloaded = await File.ReadAllTextAsync(path, ct);
                }
            }
        }

        var cli = await CliRun.RunAsync("export", "--format", "csv", "--from", "2026-10-02", "--to", "2026-10-03", "--tz", "Asia/Kolkata", "--tenant", "acme", "--tag", "feature=search", "--store", Store);

        Assert.True(cli.ExitCode == 0, cli.Error);
        Assert.Equal(cli.Out, downloaded);
        var lines = downloaded.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length); // the header and at-start, inside, last-minute (not other-feature)
        Assert.Contains("at-start", lines[1], StringComparison.Ordinal);
        Assert.Contains("last-minute", lines[3], StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
