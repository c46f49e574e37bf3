using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Tollgate.Keys;

/// <summary>
/// The SHA-256 of a key's plaintext: what stores hold and what lookups compare. A value type of 32 bytes so the
/// gateway can hash a presented key and look it up without allocating.
/// </summary>
public readonly record struct KeyHash(ulong A, ulong B, ulong C, ulong D)
{
    /// <summary>Hashes the UTF-8 of <paramref name="key"/> (keys are ASCII; at most 256 characters are accepted).</summary>
    public static KeyHash Of(ReadOnlySpan<char> key)
    {
        Span<byte> utf8 = stackalloc byte[256 * 3];
        if (key.Length > 256)
        {
            throw new ArgumentException("a key is at most 256 characters", nameof(key));
        }

        var length = Encoding.UTF8.GetBytes(key, utf8);
        return Of((ReadOnlySpan<byte>)utf8[..length]);
    }

    /// <summary>Hashes the given key bytes (as presented on the wire).</summary>
    public static KeyHash Of(ReadOnlySpan<byte> keyUtf8)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(keyUtf8, digest);
        return FromBytes(digest);
    }

    public static KeyHash FromBytes(ReadOnlySpan<byte> digest) => new(
        BinaryPrimitives.ReadUInt64BigEndian(digest),
        BinaryPrimitives.ReadUInt64BigEndian(digest[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(digest[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(digest[24..]));

    /// <summary>Lower-case hex, 64 characters: the stored form.</summary>
    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, A);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], D);
        return Convert.ToHexStringLower(bytes);
    }

    public static KeyHash FromHex(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        if (bytes.Length != 32)
        {
            throw new FormatException("a key hash is 64 hex characters");
        }

        return FromBytes(bytes);
    }

    /// <summary>Never prints the hash (it is not secret, but it is not useful in logs either).</summary>
    public override string ToString() => "KeyHash(…)";
}
