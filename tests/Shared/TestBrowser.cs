using Microsoft.Playwright;

namespace Tollgate.Testing;

/// <summary>
/// Debian's Chromium driven by Playwright (TOLLGATE_TEST_CHROMIUM, default /usr/bin/chromium; missing means FAIL, never
/// skip), and where screenshots go: TOLLGATE_TEST_ARTIFACTS (scripts/test.sh sets it), else artifacts/ under the test output.
/// </summary>
internal static class TestBrowser
{
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("TOLLGATE_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static string ArtifactsDirectory
    {
        get
        {
            var directory = Environment.GetEnvironmentVariable("TOLLGATE_TEST_ARTIFACTS") is { Length: > 0 } d ? d : Path.Combine(AppContext.BaseDirectory, "artifacts");
            Directory.CreateDirectory(directory);
            return directory;
        }
    }

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not at {ChromiumPath}: install Debian's chromium package (scripts/test.sh does) or set TOLLGATE_TEST_CHROMIUM");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
        return (playwright, browser);
    }
}
