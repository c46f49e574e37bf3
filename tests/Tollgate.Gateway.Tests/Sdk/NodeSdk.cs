using System.Diagnostics;
using System.Text.Json;

namespace Tollgate.Gateway.Tests.Sdk;

/// <summary>
/// Runs <c>tests/sdk/run.mjs</c> (the official <c>openai</c> and <c>@anthropic-ai/sdk</c> npm packages at default
/// settings) against a gateway. <c>scripts/test.sh</c> installs the packages; when they are missing (a test run by hand)
/// they are installed here once with <c>npm ci</c>.
/// </summary>
internal static class NodeSdk
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool _installed;

    public static string Directory { get; } = FindDirectory();

    public static async Task<JsonElement> RunAsync(string scenario, Uri gateway, string key, string? model = null)
    {
        await EnsureInstalledAsync();
        var start = new ProcessStartInfo("node", ["run.mjs", scenario])
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["TOLLGATE_URL"] = gateway.ToString().TrimEnd('/');
        start.Environment["TOLLGATE_KEY"] = key;
        if (model is not null)
        {
            start.Environment["TOLLGATE_MODEL"] = model;
        }

        var (exit, stdout, stderr) = await RunProcessAsync(start, TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"node run.mjs {scenario} exited {exit}: {stderr}{stdout}");
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (_installed || (System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "openai")) &&
                               System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@anthropic-ai", "sdk"))))
            {
                _installed = true;
                return;
            }

            var (exit, stdout, stderr) = await RunProcessAsync(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund"])
            {
                WorkingDirectory = Directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }, TimeSpan.FromMinutes(5));
            Assert.True(exit == 0, $"npm ci in {Directory} failed ({exit}): {stderr}{stdout}");
            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunProcessAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tollgate.slnx")))
            {
                return Path.Combine(dir.FullName, "tests", "sdk");
            }
        }

        throw new InvalidOperationException("Tollgate.slnx not found above " + AppContext.BaseDirectory);
    }
}
