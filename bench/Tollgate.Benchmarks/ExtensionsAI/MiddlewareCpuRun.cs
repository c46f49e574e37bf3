using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI;

namespace Tollgate.Benchmarks.ExtensionsAI;

/// <summary>
/// <c>dotnet Tollgate.Benchmarks.dll meai-cpu [calls] [rounds]</c>: process CPU time per call of the inner client
/// alone and through <see cref="TollgateChatClient"/> (no budget / one budget), so the added cost can be read even
/// when the shared machine is oversubscribed. Process CPU includes the ledger writer's background work and the GC,
/// which are part of what the middleware costs. Every configuration is warmed up before any is measured (tiered
/// JIT promotes methods in the background, late on a busy machine), then measured in alternating rounds; the
/// lowest round is reported (noise from other processes only ever adds). Each round also writes to stderr how the CPU
/// splits between the calling thread and the others (ledger writer, timers, spinning pool threads), the collections
/// it caused and the records per ledger batch (the calling-thread split is only meaningful while every call completes
/// synchronously, i.e. the loop never moves to another thread). <c>TOLLGATE_BENCH_ONLY=text</c> runs only the
/// configurations whose name contains the text (for profiling one of them); <c>TOLLGATE_BENCH_FINGERPRINTS=off</c> measures
/// clients that record no request fingerprints.
/// </summary>
internal static class MiddlewareCpuRun
{
    public static async Task RunAsync(string[] args)
    {
        var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var inner = new InstantChatClient();
        var (plain, plainWriter) = MiddlewareBenchSetup.CreateEngine(withBudget: false);
        var (budgeted, budgetedWriter) = MiddlewareBenchSetup.CreateEngine(withBudget: true);
        var clientOptions = new TollgateChatClientOptions { RequestFingerprints = Environment.GetEnvironmentVariable("TOLLGATE_BENCH_FINGERPRINTS") != "off" };
        using var noBudget = new TollgateChatClient(inner, plain, clientOptions);
        using var oneBudget = new TollgateChatClient(inner, budgeted, clientOptions);
        // The same two messages every call (an app's fixed prompt: the counts come from the prompt cache), then a new
        // user text every call (a chat app: the system prompt repeats, the user's text must be counted) against the
        // inner client given the same new texts.
        (string Name, IChatClient Client, bool NewText)[] configurations =
        [
            ("inner client directly", inner, false),
            ("TollgateChatClient, no budget", noBudget, false),
            ("TollgateChatClient, 1 budget", oneBudget, false),
            ("inner, new user text each call", inner, true),
            ("Tollgate, new user text, 1 budget", oneBudget, true),
        ];

        if (Environment.GetEnvironmentVariable("TOLLGATE_BENCH_ONLY") is { } only)
        {
            configurations = configurations.Where(c => c.Name.Contains(only, StringComparison.Ordinal)).ToArray();
        }

        foreach (var (_, client, _) in configurations)
        {
            await WarmUpAsync(client);
        }

        var best = new (double CpuNs, double WallNs, double Bytes)[configurations.Length];
        Array.Fill(best, (double.MaxValue, double.MaxValue, double.MaxValue));
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < configurations.Length; i++)
            {
                var batches0 = plainWriter.Batches + budgetedWriter.Batches;
                var measured = await MeasureAsync(configurations[i].Client, calls, configurations[i].NewText ? round + 1 : 0);
                Console.Error.WriteLine($"  {configurations[i].Name}: {calls / (double)Math.Max(1, plainWriter.Batches + budgetedWriter.Batches - batches0):N0} records per ledger batch");
                await plain.FlushAsync();
                await budgeted.FlushAsync();
                best[i] = (Math.Min(best[i].CpuNs, measured.CpuNs), Math.Min(best[i].WallNs, measured.WallNs), Math.Min(best[i].Bytes, measured.Bytes));
            }
        }

        var newTextBaseline = Array.FindIndex(configurations, c => c.NewText);
        for (var i = 0; i < configurations.Length; i++)
        {
            Report(configurations[i].Name, best[i], best[configurations[i].NewText ? newTextBaseline : 0]);
        }

        await plain.FlushAsync();
        await budgeted.FlushAsync();
        await plainWriter.DisposeAsync();
        await budgetedWriter.DisposeAsync();
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }

    private static async Task WarmUpAsync(IChatClient client)
    {
        for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 3000;)
        {
            await client.GetResponseAsync(MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options);
        }
    }

    /// <summary>
    /// The shared system prompt and a user text no earlier call sent, built just before the call as an app builds it
    /// (so it is in the cache when counted); the inner-client baseline builds the same, so the difference is Tollgate's.
    /// </summary>
    private static List<ChatMessage> NewUserText(int round, int call) =>
        [MiddlewareBenchSetup.Messages[0], new ChatMessage(ChatRole.User, string.Create(CultureInfo.InvariantCulture, $"How do I reset my password? Ticket {round}-{call} says it failed."))];

    private static async Task<(double CpuNs, double WallNs, double Bytes)> MeasureAsync(IChatClient client, int calls, int newTextRound)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var thread0 = ThreadCpuNs();
        var (gen0, gen1, pause0) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.GetTotalPauseDuration());
        var cpu0 = process.TotalProcessorTime;
        var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            await client.GetResponseAsync(newTextRound > 0 ? NewUserText(newTextRound, i) : MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options);
        }

        wall.Stop();
        var thread = ThreadCpuNs() - thread0;
        process.Refresh();
        Console.Error.WriteLine($"  calling thread {thread / (double)calls:N0} ns/call, other threads {((process.TotalProcessorTime - cpu0).TotalNanoseconds - thread) / calls:N0} ns/call; GCs gen0 {GC.CollectionCount(0) - gen0} gen1 {GC.CollectionCount(1) - gen1}, pauses {(GC.GetTotalPauseDuration() - pause0).TotalNanoseconds / calls:N0} ns/call, last gen0 promoted {GC.GetGCMemoryInfo(GCKind.Ephemeral).PromotedBytes:N0} B");
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes0;
        return ((process.TotalProcessorTime - cpu0).TotalNanoseconds / calls, wall.Elapsed.TotalNanoseconds / calls, (double)bytes / calls);
    }

    /// <summary>CPU time of the calling thread so far (Linux schedstat, nanoseconds); the loop stays on one thread while every call completes synchronously.</summary>
    internal static long ThreadCpuNs() => long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0], CultureInfo.InvariantCulture);

    private static void Report(string name, (double CpuNs, double WallNs, double Bytes) measured, (double CpuNs, double WallNs, double Bytes) baseline) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-36} {measured.CpuNs,9:N0} ns CPU/call ({measured.CpuNs - baseline.CpuNs,7:N0} ns added)   {measured.WallNs,9:N0} ns wall/call   {measured.Bytes,6:N0} B/call ({measured.Bytes - baseline.Bytes,6:N0} B added)"));
}
