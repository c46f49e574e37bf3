using System.Security.Cryptography;

namespace Tollgate.Gateway.Forwarding;

/// <summary>Request ids <c>req_</c> + 24 random hex characters: unique across instances, the ledger's idempotency key.</summary>
internal static class RequestIds
{
    private const int IdBytes = 12;

    /// <summary>Random bytes are drawn from the system generator for 64 ids at a time: one call per request cost more than the rest of the id.</summary>
    private const int BatchBytes = IdBytes * 64;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_used;

    public static string Next()
    {
        var random = t_random ??= new byte[BatchBytes];
        var used = t_used;
        if (used == 0 || used >= BatchBytes)
        {
            RandomNumberGenerator.Fill(random);
            used = 0;
        }

        t_used = used + IdBytes;
        var bytes = random.AsSpan(used, IdBytes);
        var id = string.Create(28, bytes, static (span, source) =>
        {
            "req_".CopyTo(span);
            Convert.TryToHexStringLower(source, span[4..], out _);
        });

        // Each id's bytes are used once and cleared, so nothing later can be inferred from a buffer left in memory.
        bytes.Clear();
        return id;
    }
}
