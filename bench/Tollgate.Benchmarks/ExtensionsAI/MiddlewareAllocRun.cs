using System.Diagnostics.Tracing;
using System.Globalization;
using Tollgate.Extensions.AI;

namespace Tollgate.Benchmarks.ExtensionsAI;

/// <summary>
/// <c>dotnet Tollgate.Benchmarks.dll meai-alloc [calls] [budget]</c>: which types the middleware allocates per call,
/// sampled from the runtime's allocation ticks (one per ~100 KB allocated), as bytes per call by type.
/// </summary>
internal static class MiddlewareAllocRun
{
    public static async Task RunAsync(string[] args)
    {
        var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300_000;
        var withBudget = args.Length > 1 && args[1] == "budget";
        var (engine, writer) = MiddlewareBenchSetup.CreateEngine(withBudget);
        using var client = new TollgateChatClient(new InstantChatClient(), engine);
        for (var i = 0; i < 50_000; i++)
        {
            await client.GetResponseAsync(MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options);
        }

        using var listener = new AllocationListener();
        var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < calls; i++)
        {
            await client.GetResponseAsync(MiddlewareBenchSetup.Messages, MiddlewareBenchSetup.Options);
        }

        var total = (GC.GetTotalAllocatedBytes(precise: true) - bytes0) / (double)calls;
        listener.Dispose();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total:N0} B/call in all (budget: {withBudget})"));
        var sampled = listener.Bytes.Values.Sum();
        foreach (var (type, b) in listener.Bytes.OrderByDescending(p => p.Value))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total * b / sampled,8:N1} B/call  {type}"));
        }

        await engine.FlushAsync();
        await writer.DisposeAsync();
    }

    private sealed class AllocationListener : EventListener
    {
        public Dictionary<string, long> Bytes { get; } = [];

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName != "GCAllocationTick_V4" || e.Payload is null)
            {
                return;
            }

            var name = (string)e.Payload[e.PayloadNames!.IndexOf("TypeName")]!;
            var amount = Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
            lock (Bytes)
            {
                Bytes[name] = Bytes.GetValueOrDefault(name) + amount;
            }
        }
    }
}
