using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Extensions.AI.Internal;
using Tollgate.Ledger;
using Tollgate.Pricing;
using Tollgate.Tokens;

namespace Tollgate.Benchmarks.ExtensionsAI;

/// <summary>
/// <c>dotnet Tollgate.Benchmarks.dll meai-parts [ops]</c>: process CPU time per operation of each piece of the
/// middleware's per-call work (prompt count, worst-case pricing, budget hold + settle, ledger hand-off), to see
/// where the added cost of <see cref="Tollgate.Extensions.AI.TollgateChatClient"/> goes.
/// </summary>
internal static class MiddlewarePartsRun
{
    public static async Task RunAsync(string[] args)
    {
        var ops = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
        var rules = ChatTokenCounter.RulesFor("gpt-4o-mini");
        Measure("prompt count (PromptCounter.CountChat)", ops, () => PromptCounter.CountChat(PromptCounter.SharedCounter, rules, MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options));
        var fresh = Enumerable.Range(0, ops).Select(i => string.Create(CultureInfo.InvariantCulture, $"How do I reset my password? Ticket 7-{i} says it failed.")).ToArray();
        var next = 0;
        Measure("  BPE count, new user text each op", ops, () => TiktokenEncoding.O200kBase.CountTokens(fresh[next++ % fresh.Length]));
        var freshMessages = fresh.Select(t => new List<ChatMessage> { MiddlewareBenchSetup.Messages[0], new(ChatRole.User, t + " ") }).ToArray();
        next = 0;
        Measure("prompt count, new user text each op", ops, () => PromptCounter.CountChat(PromptCounter.SharedCounter, rules, freshMessages[next++ % freshMessages.Length], MiddlewareBenchSetup.Options));
        var sys = "You are a helpful support assistant. Answer briefly.";
        var enc = TiktokenEncoding.O200kBase;
        var cache = new TokenCountCache(minimumLength: 16);
        Measure("  BPE count of the 53-char system prompt", ops, () => enc.CountTokens(sys));
        Measure("  TokenCountCache hit, 53 chars", ops, () => cache.GetOrCount(enc, sys));
        Measure("  XxHash128, 53 chars", ops, () => System.IO.Hashing.XxHash128.HashToUInt128(System.Runtime.InteropServices.MemoryMarshal.AsBytes(sys.AsSpan())));
        Measure("prompt count, uncached (ChatTokenCounter)", ops, () => new ChatTokenCounter().Count(PromptCounter.ToPrompt(MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options), "gpt-4o-mini"));
        var lookup = new CostEngine(PriceCatalog.BuiltIn).Resolve("openai", "gpt-4o-mini");
        var usage = new Usage { InputTokens = 40, OutputTokens = 12, Requests = 1 };
        var at = DateTimeOffset.UnixEpoch.AddYears(56);
        Measure("ModelLookup.ComputeCost x1", ops, () => lookup.ComputeCost(usage, at));
        foreach (var withBudget in new[] { false, true })
        {
            var (engine, writer) = MiddlewareBenchSetup.CreateEngine(withBudget);
            var subject = new BudgetSubject { Provider = "openai", Model = "gpt-4o-mini" };
            await MeasureAsync($"budget reserve+settle ({(withBudget ? "1 budget" : "none")})", ops, async () =>
            {
                var decision = await engine.Budgets.ReserveAsync(subject, 0.0003m, "r", null);
                if (decision.Reservation is { } r)
                {
                    await engine.Budgets.SettleAsync(r, 0.0001m);
                }
            });
            if (!withBudget)
            {
                var record = new UsageRecord { RequestId = "x", Timestamp = at, Provider = "openai", Model = "gpt-4o-mini", Usage = usage };
                var n = 0;
                var batches0 = writer.Batches;
                await MeasureAsync("ledger hand-off, one record object reused", ops, async () =>
                {
                    engine.Record(record);
                    await Task.CompletedTask;
                }, async () => await engine.FlushAsync());
                Console.WriteLine($"  batches: {writer.Batches - batches0}");
                var t0 = ThreadCpuNs();
                var p0 = Start();
                for (var i = 0; i < ops * 3; i++)
                {
                    engine.Record(record);
                }

                var producer = (ThreadCpuNs() - t0) / (ops * 3.0);
                await engine.FlushAsync();
                Report($"ledger hand-off sync loop (producer thread {producer:N0} ns)", ops * 3, p0.Cpu, p0.Alloc);
                Measure("  (the benchmark's record copy alone)", ops, () => record with { RequestId = (n++).ToString(CultureInfo.InvariantCulture) });
                await MeasureAsync("ledger hand-off (engine.Record + writer)", ops, async () =>
                {
                    engine.Record(record with { RequestId = (n++).ToString(CultureInfo.InvariantCulture) });
                    await Task.CompletedTask;
                }, async () => await engine.FlushAsync());
            }

            await engine.FlushAsync();
            await writer.DisposeAsync();
        }

        {
            var (engine, writer) = MiddlewareBenchSetup.CreateEngine(false);
            var meter = new CallMeter(engine, new Tollgate.Extensions.AI.TollgateChatClientOptions(), "openai", "gpt-4o-mini");
            await MeasureAsync("CallMeter.BeginChatAsync (no budget)", ops, async () =>
            {
                var (call, _) = await meter.BeginChatAsync(MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options, default);
                call.TryMarkSettled();
            });
            var response = new Microsoft.Extensions.AI.UsageDetails { InputTokenCount = 40, CachedInputTokenCount = 0, OutputTokenCount = 12 };
            await MeasureAsync("CallMeter.Begin + Settle (no budget)", ops, async () =>
            {
                var (call, _) = await meter.BeginChatAsync(MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options, default);
                await meter.SettleAsync(call, UsageDetailsMapper.ToUsage(response), false, "gpt-4o-mini");
            }, async () => await engine.FlushAsync());
            await engine.FlushAsync();
            await writer.DisposeAsync();
        }

        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }

    private static void Measure<T>(string name, int ops, Func<T> op)
    {
        // Warm up for a second of wall time: tiered JIT promotes hot methods in the background, slowly when the machine is busy.
        for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 1000;)
        {
            op();
        }

        var (cpu0, alloc0) = Start();
        for (var i = 0; i < ops; i++)
        {
            op();
        }

        Report(name, ops, cpu0, alloc0);
    }

    private static async Task MeasureAsync(string name, int ops, Func<Task> op, Func<Task>? drain = null)
    {
        for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 1000;)
        {
            await op();
        }

        if (drain is not null)
        {
            await drain();
        }

        var (cpu0, alloc0) = Start();
        for (var i = 0; i < ops; i++)
        {
            await op();
        }

        if (drain is not null)
        {
            await drain();
        }

        Report(name, ops, cpu0, alloc0);
    }

    /// <summary>CPU time of the calling thread so far (Linux schedstat, nanoseconds).</summary>
    private static long ThreadCpuNs() => long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0], CultureInfo.InvariantCulture);

    private static (TimeSpan Cpu, long Alloc) Start()
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        return (process.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true));
    }

    private static void Report(string name, int ops, TimeSpan cpu0, long alloc0)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalNanoseconds / ops;
        var alloc = (GC.GetTotalAllocatedBytes(precise: true) - alloc0) / (double)ops;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-48} {cpu,9:N0} ns CPU/op {alloc,8:N0} B/op"));
    }
}
