using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using OpenAI.Chat;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Dashboard;

/// <summary>
/// The dashboard in Debian's Chromium against a real gateway: every page renders a seeded ledger (screenshots at desktop
/// and 360 px kept as artifacts), a budget created in the UI is enforced on the next call, a key created in the UI works
/// with the OpenAI .NET SDK, and a key holder sees only their own figures.
/// </summary>
public sealed class DashboardBrowserTests
{
    private static readonly string[] AdminPages = ["overview", "explore", "calls", "providers", "budgets", "alerts", "recommendations", "reconciliation", "keys"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<IPage> OpenAsync(IBrowser browser, Uri address, string key, int width = 1280, ColorScheme scheme = ColorScheme.Light)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 }, BaseURL = address.ToString(), ColorScheme = scheme });
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };
        page.PageError += (_, error) => problems.Add(error);
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync("/");
        await page.Locator("#signin-key").FillAsync(key);
        await page.Locator("#signin button[type=submit]").ClickAsync();
        await page.Locator("#signout").WaitForAsync();
        await page.WaitForSelectorAsync("main[data-loaded=true]");
        Assert.True(problems.Count == 0, "console errors: " + string.Join(" | ", problems));
        return page;
    }

    internal static async Task GoAsync(IPage page, string hash)
    {
        await page.EvaluateAsync("h => { if (location.hash !== h) { document.getElementById('view').dataset.loaded = 'false'; location.hash = h; } }", hash);
        await page.WaitForSelectorAsync("main[data-loaded=true]");
    }

    private static async Task AssertNoPanelErrorsAsync(IPage page, string name)
    {
        var errors = await page.Locator("main .panel .error").AllInnerTextsAsync();
        Assert.True(errors.Count == 0, $"{name}: " + string.Join(" | ", errors));
    }

    [Fact]
    public async Task EveryPage_SeededLedger_RendersDataAtDesktopAnd360Px()
    {
        await using var gateway = await TestGateway.StartAsync();
        var keys = await DashboardSeed.SeedAsync(gateway, Ct);
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using (playwright)
        {
            await using (browser)
            {
                foreach (var (size, width) in new[] { ("desktop", 1280), ("360px", 360) })
                {
                    var page = await OpenAsync(browser, gateway.Host.Address, TestGateway.AdminKey, width);
                    var errors = new List<string>();
                    page.Console += (_, m) =>
                    {
                        if (m.Type == "error")
                        {
                            errors.Add(m.Text);
                        }
                    };
                    foreach (var name in AdminPages)
                    {
                        await GoAsync(page, "#/" + name);
                        await AssertNoPanelErrorsAsync(page, name);
                        var text = await page.Locator("main").InnerTextAsync();
                        switch (name)
                        {
                            case "overview":
                                Assert.Matches(@"\$\d", await page.Locator("#spend .big").First.InnerTextAsync());
                                Assert.Equal(2, await page.Locator("#budgets .gauge").CountAsync());
                                Assert.True(await page.Locator("#chart svg circle title").CountAsync() >= 28, "a point per day");
                                Assert.True(await page.Locator("#chart svg .band80").CountAsync() == 1, "the forecast band is drawn");
                                Assert.Equal(1, await page.Locator("#chart svg .marker").CountAsync());
                                Assert.Contains("gpt-4o", await page.Locator("#top-model").InnerTextAsync(), StringComparison.Ordinal);
                                Assert.Contains("acme", await page.Locator("#top-tenant").InnerTextAsync(), StringComparison.Ordinal);
                                Assert.Contains(keys["acme"].Id, await page.Locator("#top-key").InnerTextAsync(), StringComparison.Ordinal);
                                Assert.Contains("anthropic", await page.Locator("#health").InnerTextAsync(), StringComparison.Ordinal);
                                Assert.Contains("budget globex-daily at 90 %", await page.Locator("#alerts").InnerTextAsync(), StringComparison.Ordinal);
                                break;
                            case "explore":
                                Assert.Equal(4, await page.Locator("#breakdown tbody tr").CountAsync());
                                Assert.True(await page.Locator("#trend svg circle").CountAsync() >= 28);
                                Assert.Equal(7 * 24, await page.Locator("#patterns svg rect.cell").CountAsync());
                                Assert.Contains("Peak hours: ", await page.Locator("#patterns").InnerTextAsync(), StringComparison.Ordinal);
                                break;
                            case "calls":
                                Assert.Equal(50, await page.Locator("#calls tbody tr").CountAsync());
                                await page.Locator("#calls tbody tr").First.ClickAsync();
                                await page.WaitForSelectorAsync("#call-detail[aria-busy=false]");
                                await page.WaitForSelectorAsync("main[data-loaded=true]");
                                Assert.Contains("genai-prices", await page.Locator("#call-detail").InnerTextAsync(), StringComparison.Ordinal);
                                break;
                            case "providers":
                                Assert.Contains("anthropic", await page.Locator("#providers").InnerTextAsync(), StringComparison.Ordinal);
                                if (size == "desktop")
                                {
                                    // One model disabled and enabled again from the page, as the API then reports it.
                                    await page.Locator("#model-provider").SelectOptionAsync("openai");
                                    await page.Locator("#model-name").FillAsync("gpt-4o-mini");
                                    await page.Locator("#model-form button[type=submit]").ClickAsync();
                                    var enableButton = page.Locator("#providers button", new PageLocatorOptions { HasTextString = "Enable gpt-4o-mini" });
                                    await enableButton.WaitForAsync();
                                    Assert.Contains("gpt-4o-mini", await gateway.Admin.GetStringAsync("/admin/providers", Ct), StringComparison.Ordinal);
                                    await enableButton.ClickAsync();
                                    await enableButton.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
                                    Assert.DoesNotContain("gpt-4o-mini", await gateway.Admin.GetStringAsync("/admin/providers", Ct), StringComparison.Ordinal);
                                    await page.WaitForSelectorAsync("main[data-loaded=true]");
                                }

                                Assert.Equal(3, await page.Locator("#compare-provider tbody tr").CountAsync());
                                Assert.Equal(4, await page.Locator("#compare-model tbody tr").CountAsync());
                                break;
                            case "budgets":
                                Assert.Contains("acme-monthly", text, StringComparison.Ordinal);
                                Assert.Contains("globex-daily", text, StringComparison.Ordinal);
                                break;
                            case "alerts":
                                Assert.Contains("acme spend 4.1x", text, StringComparison.Ordinal);
                                break;
                            case "recommendations":
                                Assert.Contains("Possible saving", text, StringComparison.Ordinal);
                                break;
                            case "reconciliation":
                                Assert.Equal(1, await page.Locator("#reconcile-form").CountAsync());
                                break;
                            case "keys":
                                Assert.Contains(keys["initech"].Id, text, StringComparison.Ordinal);
                                Assert.DoesNotContain(keys["initech"].Key, await page.ContentAsync(), StringComparison.Ordinal);
                                break;
                        }

                        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
                        Assert.False(overflow, $"{name} scrolls sideways at {width} px");
                        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestBrowser.ArtifactsDirectory, $"dashboard-{name}-{size}.png"), FullPage = true });
                    }

                    Assert.True(errors.Count == 0, "console errors (CSP violations show here): " + string.Join(" | ", errors));
                    await page.CloseAsync();
                }

                var dark = await OpenAsync(browser, gateway.Host.Address, TestGateway.AdminKey, scheme: ColorScheme.Dark);
                Assert.Equal("rgb(16, 19, 24)", await dark.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
                foreach (var name in new[] { "overview", "explore" })
                {
                    await GoAsync(dark, "#/" + name);
                    await dark.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestBrowser.ArtifactsDirectory, $"dashboard-{name}-dark.png"), FullPage = true });
                }

                await dark.CloseAsync();
                var own = await OpenAsync(browser, gateway.Host.Address, keys["globex"].Key);
                await AssertNoPanelErrorsAsync(own, "me");
                await own.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestBrowser.ArtifactsDirectory, "dashboard-me-desktop.png"), FullPage = true });
                await own.CloseAsync();
            }
        }
    }

    [Fact]
    public async Task Overview_OneLoad_OneRequestPerPanelAndNoRepeats()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using (playwright)
        {
            await using (browser)
            {
                var page = await OpenAsync(browser, gateway.Host.Address, TestGateway.AdminKey);
                await GoAsync(page, "#/keys");
                var requests = new List<string>();
                page.Request += (_, request) =>
                {
                    if (request.Url.Contains("/admin/", StringComparison.Ordinal))
                    {
                        requests.Add(new Uri(request.Url).AbsolutePath);
                    }
                };

                await GoAsync(page, "#/overview");
                await page.WaitForTimeoutAsync(1500); // nothing more may follow within the refresh interval

                // overview (spend, budgets, health, alerts), the chart (trend, forecast and anomalies in one), three top lists.
                Assert.Equal(
                    ["/admin/analytics/breakdown", "/admin/analytics/breakdown", "/admin/analytics/breakdown", "/admin/overview", "/admin/overview/chart"],
                    requests.Order(StringComparer.Ordinal));
            }
        }
    }

    [Fact]
    public async Task AutoRefresh_Every30sWhileVisible_PausedWhileHidden()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using (playwright)
        {
            await using (browser)
            {
                var page = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = gateway.Host.Address.ToString() });
                await page.Clock.InstallAsync();
                await page.GotoAsync("/");
                await page.Locator("#signin-key").FillAsync(TestGateway.AdminKey);
                await page.Locator("#signin button[type=submit]").ClickAsync();
                // The sign-in form is marked loaded too: wait for the overview's own first load before counting.
                await page.Locator("#signout").WaitForAsync();
                await page.WaitForSelectorAsync("main[data-page=overview][data-loaded=true]");
                var overviews = 0;
                page.Request += (_, request) => overviews += new Uri(request.Url).AbsolutePath == "/admin/overview" ? 1 : 0;

                await page.Clock.RunForAsync(31_000);
                await page.WaitForSelectorAsync("main[data-loaded=true]");
                await UntilAsync(page, () => overviews >= 1); // a loaded machine may take longer than a fixed wait
                Assert.Equal(1, overviews);

                await page.EvaluateAsync("() => { Object.defineProperty(document, 'hidden', { value: true, configurable: true }); document.dispatchEvent(new Event('visibilitychange')); }");
                await page.Clock.RunForAsync(5 * 60_000);
                await page.WaitForTimeoutAsync(300);
                Assert.Equal(1, overviews);

                await page.EvaluateAsync("() => { Object.defineProperty(document, 'hidden', { value: false, configurable: true }); document.dispatchEvent(new Event('visibilitychange')); }");
                await UntilAsync(page, () => overviews >= 2);
                Assert.Equal(2, overviews);
            }
        }

        // Polls the page's event loop (so its request events are delivered) until the condition holds or 10 s pass.
        static async Task UntilAsync(IPage page, Func<bool> condition)
        {
            for (var waited = 0; !condition() && waited < 10_000; waited += 50)
            {
                await page.WaitForTimeoutAsync(50);
            }
        }
    }

    [Fact]
    public async Task BudgetCreatedInUi_NextCall_RefusedWith429()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        using (var before = await client.PostAsync("/v1/chat/completions", Chat(), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using (playwright)
        {
            await using (browser)
            {
                var page = await OpenAsync(browser, gateway.Host.Address, TestGateway.AdminKey);
                await GoAsync(page, "#/budgets");
                // The API's own validation message is shown for a bad limit.
                await page.Locator("#budget-tenant").FillAsync("acme");
                await page.Locator("#budget-limit").FillAsync("1,50");
                await page.Locator("#budget-form button[type=submit]").ClickAsync();
                await page.Locator("#budget-status .error").WaitForAsync();
                Assert.Contains("limit", await page.Locator("#budget-status").InnerTextAsync(), StringComparison.Ordinal);

                await page.Locator("#budget-id").FillAsync("acme-tiny");
                await page.Locator("#budget-limit").FillAsync("0.0001");
                await page.Locator("#budget-period").FillAsync("daily");
                await page.Locator("#budget-form button[type=submit]").ClickAsync();
                await page.Locator("#budget-status .notice").WaitForAsync();
                Assert.Contains("acme-tiny saved", await page.Locator("#budget-status").InnerTextAsync(), StringComparison.Ordinal);
                await page.Locator("#budget-list strong", new PageLocatorOptions { HasTextString = "acme-tiny" }).WaitForAsync();
            }
        }

        using var after = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        var body = await after.Content.ReadAsStringAsync(Ct);
        Assert.True(after.StatusCode == HttpStatusCode.TooManyRequests, body);
        Assert.Contains("budget_exceeded", body, StringComparison.Ordinal);
        Assert.Contains("acme-tiny", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconciliation_ProviderExportsChosenInUi_CaptureRateAndCausedDifferences()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The provider billed three times what went through the gateway (calls made around it): a third captured.
        var records = await gateway.LedgerRecordsAsync();
        var days = records.GroupBy(r => DateOnly.FromDateTime(r.Timestamp.UtcDateTime)).ToList();
        var usage = ProviderExports.OpenAiUsageCsv([.. days.Select(g => new ExportCell(g.Key, g.First().Model,
            Input: 3 * g.Sum(r => r.Usage.UncachedInputTokens), Output: 3 * g.Sum(r => r.Usage.OutputTokens), Requests: 3 * g.Count()))]);
        var costs = ProviderExports.OpenAiCostCsv([.. days.Select(g => new ExportCost(g.Key, g.First().Model, ProviderExports.Usd(3 * g.Sum(r => r.TotalCostNanos))))]);
        var directory = Directory.CreateTempSubdirectory("tg-reconcile-ui-");
        try
        {
            var usageFile = Path.Combine(directory.FullName, "usage.csv");
            var costFile = Path.Combine(directory.FullName, "costs.csv");
            await File.WriteAllTextAsync(usageFile, usage, Ct);
            await File.WriteAllTextAsync(costFile, costs, Ct);
            var (playwright, browser) = await TestBrowser.LaunchAsync();
            using (playwright)
            {
                await using (browser)
                {
                    var page = await OpenAsync(browser, gateway.Host.Address, TestGateway.AdminKey);
                    await GoAsync(page, "#/reconciliation");

                    // A file of the wrong kind: the API's message, nothing compared.
                    await page.Locator("#reconcile-usage").SetInputFilesAsync(costFile);
                    await page.Locator("#reconcile-form button[type=submit]").ClickAsync();
                    await page.Locator("#reconcile-status .error").WaitForAsync();
                    Assert.Contains("costs.csv", await page.Locator("#reconcile-status").InnerTextAsync(), StringComparison.Ordinal);

                    await page.Locator("#reconcile-usage").SetInputFilesAsync(usageFile);
                    await page.Locator("#reconcile-costs").SetInputFilesAsync(costFile);
                    await page.Locator("#reconcile-form button[type=submit]").ClickAsync();
                    await page.Locator("#capture-rate").WaitForAsync();

                    Assert.Equal("33.3 %", await page.Locator("#capture-rate").InnerTextAsync());
                    var rows = await page.Locator("#reconciliation tbody tr").AllInnerTextsAsync();
                    Assert.Equal(4, rows.Count);
                    Assert.All(rows, row => Assert.Contains("untracked_calls", row, StringComparison.Ordinal));
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestBrowser.ArtifactsDirectory, "dashboard-reconciliation-result.png"), FullPage = true });
                }
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task BudgetEditedAndDeletedInUi_KeepsItsZoneThenIsGone()
    {
        await using var gateway = await TestGateway.StartAsync();
        await gateway.CreateBudgetAsync(new { id = "berlin", scope = new { tenant = "acme", model = "gpt-4o" }, limit = "3", currency = "USD", period = "daily", enforcement = "soft", time_zone = "Europe/Berlin" });
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using (playwright)
        {
            await using (browser)
            {
                var page = await OpenAsync(browser, gateway.Host.Address, TestGateway.AdminKey);
                page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
                await GoAsync(page, "#/budgets");
                await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Edit berlin" }).ClickAsync();
                Assert.Equal("Europe/Berlin", await page.Locator("#budget-time_zone").InputValueAsync());
                Assert.Equal("gpt-4o", await page.Locator("#budget-model").InputValueAsync());
                await page.Locator("#budget-limit").FillAsync("7.25");
                await page.Locator("#budget-form button[type=submit]").ClickAsync();
                await page.Locator("#budget-status .notice").WaitForAsync();

                using (var edited = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/budgets/berlin", Ct)))
                {
                    var b = edited.RootElement;
                    Assert.Equal(("7.25", "Europe/Berlin", "soft", "daily"), (b.GetProperty("limit").GetString(), b.GetProperty("time_zone").GetString(), b.GetProperty("enforcement").GetString(), b.GetProperty("period").GetString()!.ToLowerInvariant()));
                    Assert.Equal("gpt-4o", b.GetProperty("scope").GetProperty("model").GetString());
                }

                await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Delete berlin" }).ClickAsync();
                await page.Locator("#budget-status", new PageLocatorOptions { HasTextString = "deleted" }).WaitForAsync();
            }
        }

        using var gone = await gateway.Admin.GetAsync("/admin/budgets/berlin", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task KeyCreatedInUi_ShownOnce_WorksWithOpenAiSdk()
    {
        await using var gateway = await TestGateway.StartAsync();
        string secret;
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using (playwright)
        {
            await using (browser)
            {
                var page = await OpenAsync(browser, gateway.Host.Address, TestGateway.AdminKey);
                await GoAsync(page, "#/keys");
                await page.Locator("#key-tenant").FillAsync("newco");
                await page.Locator("#key-name").FillAsync("from the dashboard");
                await page.Locator("#key-form button[type=submit]").ClickAsync();
                secret = (await page.Locator("#new-key").InnerTextAsync()).Trim();
                Assert.StartsWith("tg-", secret, StringComparison.Ordinal);
                await page.Locator("#key-list td", new PageLocatorOptions { HasTextString = "newco" }).First.WaitForAsync();

                // Once dismissed (or on any later visit) the key is nowhere on the page.
                await GoAsync(page, "#/overview");
                await GoAsync(page, "#/keys");
                Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
            }
        }

        var completion = await gateway.OpenAi(secret).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct);

        Assert.False(string.IsNullOrEmpty(completion.Value.Content[0].Text));
        var record = Assert.Single(await gateway.LedgerRecordsAsync());
        Assert.Equal("newco", record.Tenant);
    }

    [Fact]
    public async Task SelfService_VirtualKey_SeesOnlyItsOwnFigures()
    {
        await using var gateway = await TestGateway.StartAsync();
        var keys = await DashboardSeed.SeedAsync(gateway, Ct);
        using var own = JsonDocument.Parse(await gateway.ClientWithKey(keys["globex"].Key).GetStringAsync("/v1/tollgate/usage?group_by=model", Ct));
        var (playwright, browser) = await TestBrowser.LaunchAsync();
        using (playwright)
        {
            await using (browser)
            {
                foreach (var (size, width) in new[] { ("desktop", 1280), ("360px", 360) })
                {
                    var page = await OpenAsync(browser, gateway.Host.Address, keys["globex"].Key, width);
                    Assert.Equal("me", await page.Locator("main").GetAttributeAsync("data-page"));
                    var text = await page.Locator("main").InnerTextAsync();
                    Assert.Contains("gpt-4o-mini", text, StringComparison.Ordinal);
                    foreach (var foreign in new[] { "acme", "initech", "claude-sonnet-4-5", "gemini-2.5-flash", keys["acme"].Id })
                    {
                        Assert.DoesNotContain(foreign, text, StringComparison.Ordinal);
                    }

                    Assert.Equal(["My usage"], await page.Locator("nav a").AllInnerTextsAsync());
                    Assert.Contains(keys["globex"].Id, await page.Locator("#my-calls").InnerTextAsync(), StringComparison.Ordinal);
                    Assert.Contains("globex-daily", await page.Locator("#my-budgets").InnerTextAsync(), StringComparison.Ordinal);
                    Assert.DoesNotContain("acme-monthly", text, StringComparison.Ordinal);

                    // The session cannot reach anyone else's figures: the admin API refuses it outright.
                    foreach (var path in new[] { "/admin/overview", "/admin/analytics/breakdown?by=tenant", "/admin/calls", "/admin/export", "/admin/keys" })
                    {
                        Assert.Equal(403, await page.EvaluateAsync<int>("p => fetch(p).then(r => r.status)", path));
                    }

                    // Even a typed-in admin page falls back to the key holder's own view.
                    await GoAsync(page, "#/overview");
                    Assert.Equal("me", await page.Locator("main").GetAttributeAsync("data-page"));
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestBrowser.ArtifactsDirectory, $"dashboard-self-service-{size}.png"), FullPage = true });
                    await page.CloseAsync();
                }
            }
        }

        Assert.Equal("gpt-4o-mini", Assert.Single(own.RootElement.GetProperty("groups").EnumerateArray()).GetProperty("key").GetString());
    }

    private static StringContent Chat() =>
        new("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json");
}
