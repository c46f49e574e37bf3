using System.Numerics;
using System.Security.Cryptography;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>
/// Request ids for ledger records: a random 64-bit process prefix and a counter (<c>9f3c…e1-2a</c>). The ledger is
/// idempotent on the id, so ids must not collide across processes sharing a store (the random prefix) while costing
/// next to nothing per call (no per-call randomness or formatting of a whole GUID).
/// </summary>
internal static class RequestIds
{
    private static readonly string Prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "-";
    private static long s_counter;

    public static string Next()
    {
        var n = (ulong)Interlocked.Increment(ref s_counter);
        var digits = (BitOperations.Log2(n) >> 2) + 1;
        return string.Create(Prefix.Length + digits, n, static (chars, value) =>
        {
            Prefix.CopyTo(chars);
            for (var i = chars.Length - 1; i >= Prefix.Length; i--, value >>= 4)
            {
                chars[i] = "0123456789abcdef"[(int)(value & 0xF)];
            }
        });
    }
}
