using System.Globalization;
using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI.Internal;
using Tollgate.Tokens;

namespace Tollgate.Benchmarks.ExtensionsAI;

/// <summary>
/// <c>dotnet Tollgate.Benchmarks.dll fingerprint-cpu [calls]</c>: CPU time of the calling thread per middleware
/// fingerprint (<see cref="MessageFingerprint"/>) of the <c>meai-cpu</c> messages — the same prompt every call, then a
/// new user text every call (the inner loop builds the texts in both rows, so the difference is the fingerprint's) —
/// the lowest of three rounds.
/// </summary>
internal static class FingerprintCpuRun
{
    public static void Run(string[] args)
    {
        var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var tokenizer = TokenizerRegistry.ForEncoding(TiktokenEncoding.O200kBase);
        var system = MiddlewareBenchSetup.Messages[0];
        (string Name, Func<int, List<ChatMessage>> Messages)[] rows =
        [
            ("same prompt", _ => MiddlewareBenchSetup.Messages),
            ("new user text", i => [system, new ChatMessage(ChatRole.User, string.Create(CultureInfo.InvariantCulture, $"How do I reset my password? Ticket {i} says it failed."))]),
        ];
        foreach (var (name, messages) in rows)
        {
            var best = double.MaxValue;
            for (var round = 0; round < 3; round++)
            {
                var start = MiddlewareCpuRun.ThreadCpuNs();
                var bytes = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 0; i < calls; i++)
                {
                    MessageFingerprint.Chat(messages(round * calls + i), MiddlewareBenchSetup.Options, "gpt-4o-mini", tokenizer);
                }

                best = Math.Min(best, (MiddlewareCpuRun.ThreadCpuNs() - start) / (double)calls);
                bytes = (GC.GetAllocatedBytesForCurrentThread() - bytes) / calls;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {(MiddlewareCpuRun.ThreadCpuNs() - start) / (double)calls:N0} ns, {bytes} B"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-16} {best,7:N0} ns CPU/call (fingerprint and the loop's message list)"));
        }
    }
}
