using StackExchange.Redis;

namespace Tollgate.Testing;

/// <summary>The Stores tests' one Redis connection, shared by every Redis fixture.</summary>
internal static partial class TestServices
{
    private static readonly Lazy<ConnectionMultiplexer> Multiplexer = new(() => ConnectionMultiplexer.Connect(RedisConfiguration + ",abortConnect=false"));

    public static ConnectionMultiplexer Redis => Multiplexer.Value;
}
