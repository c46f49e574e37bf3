using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Tollgate.Metering;

/// <summary>
/// The one request-id scheme of both doors: <c>req_</c> + 24 hex characters, the request's time in milliseconds
/// (12 characters), then 48 random bits. Unique across instances and processes, and the ledger's idempotency key. Time first, so ids sort by time and the ledger's key index
/// grows at its end: random ids put every new record on a different index page, and each batch rewrote hundreds of pages.
/// </summary>
public static class RequestIds
{
    private const int RandomBytes = 6;

    /// <summary>Random bytes are drawn from the system generator for 128 ids at a time: one call per request cost more than the rest of the id.</summary>
    private const int BatchBytes = RandomBytes * 128;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_used;

    /// <summary>A new id for a request made now.</summary>
    public static string Next(TimeProvider time) => Next(time.GetUtcNow());

    /// <summary>A new id for a request made at <paramref name="at"/> (a host that has read the clock already).</summary>
    public static string Next(DateTimeOffset at)
    {
        var random = t_random ??= new byte[BatchBytes];
        var used = t_used;
        if (used == 0 || used >= BatchBytes)
        {
            RandomNumberGenerator.Fill(random);
            used = 0;
        }

        t_used = used + RandomBytes;
        Span<byte> bytes = stackalloc byte[8 + RandomBytes];
        BinaryPrimitives.WriteInt64BigEndian(bytes, at.ToUnixTimeMilliseconds());
        var source = random.AsSpan(used, RandomBytes);
        source.CopyTo(bytes[8..]);

        // Each id's bytes are used once and cleared, so nothing later can be inferred from a buffer left in memory.
        source.Clear();
        Span<char> id = stackalloc char[4 + 24];
        "req_".CopyTo(id);
        Convert.TryToHexStringLower(bytes[2..], id[4..], out _);
        return new string(id);
    }
}
