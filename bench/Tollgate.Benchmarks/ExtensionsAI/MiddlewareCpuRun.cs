using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI;

namespace Tollgate.Benchmarks.ExtensionsAI;

/// <summary>
/// <c>dotnet Tollgate.Benchmarks.dll meai-cpu [calls]</c>: process CPU time per call of the inner client alone and
/// through <see cref="TollgateChatClient"/> (no budget / one budget), so the added cost can be read even when the
/// shared machine is oversubscribed. Process CPU includes the ledger writer's background work, which is part of
/// what the middleware costs.
/// </summary>
internal static class MiddlewareCpuRun
{
    public static async Task RunAsync(string[] args)
    {
        var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500_000;
        var inner = new InstantChatClient();
        var direct = await MeasureAsync(inner, calls);
        Report("inner client directly", direct, direct);
        foreach (var withBudget in new[] { false, true })
        {
            var (engine, writer) = MiddlewareBenchSetup.CreateEngine(withBudget);
            using var metered = new TollgateChatClient(inner, engine);
            var cost = await MeasureAsync(metered, calls);
            await engine.FlushAsync();
            await writer.DisposeAsync();
            Report(withBudget ? "TollgateChatClient, 1 budget" : "TollgateChatClient, no budget", cost, direct);
        }

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }

    private static async Task<(double CpuNs, double WallNs)> MeasureAsync(IChatClient client, int calls)
    {
        for (var i = 0; i < Math.Min(calls, 20_000); i++)
        {
            await client.GetResponseAsync(MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options);
        }

        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            await client.GetResponseAsync(MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options);
        }

        wall.Stop();
        process.Refresh();
        return ((process.TotalProcessorTime - cpu0).TotalNanoseconds / calls, wall.Elapsed.TotalNanoseconds / calls);
    }

    private static void Report(string name, (double CpuNs, double WallNs) measured, (double CpuNs, double WallNs) baseline) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-32} {measured.CpuNs,9:N0} ns CPU/call ({measured.CpuNs - baseline.CpuNs,9:N0} ns added)   {measured.WallNs,9:N0} ns wall/call"));
}
