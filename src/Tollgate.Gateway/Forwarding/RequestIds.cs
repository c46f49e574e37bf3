using System.Security.Cryptography;

namespace Tollgate.Gateway.Forwarding;

/// <summary>Request ids <c>req_</c> + 24 random hex characters: unique across instances, the ledger's idempotency key.</summary>
internal static class RequestIds
{
    public static string Next() => string.Create(28, 0, static (span, _) =>
    {
        "req_".CopyTo(span);
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        Convert.TryToHexStringLower(bytes, span[4..], out _);
    });
}
