using System.Globalization;
using StackExchange.Redis;
using Tollgate.Budgets;

namespace Tollgate.Redis.Budgets;

/// <summary>
/// Budget counters and holds in Redis, shared by every gateway instance. Holds, settles and reclaims run as
/// Lua scripts (check-and-hold across all lines atomically, integer HINCRBY), holds sit in a sorted set by
/// expiry so a script reclaims expired ones before it checks. Keys: <c>{prefix}:c:BUDGET:WINDOW</c> (hash
/// s/h), <c>{prefix}:holds</c>, <c>{prefix}:hold:ID</c>, <c>{prefix}:mark:…</c>, <c>{prefix}:emergency</c>.
/// Definitions live in SQLite or PostgreSQL; Redis holds counters only.
/// </summary>
public sealed class RedisBudgetStore : IBudgetStore, ISharedEmergencyThrottle
{
    /// <summary>The largest amount Lua compares exactly (2^53 nano-units ≈ 9,007,199 currency units).</summary>
    public const long MaxExactNanos = 1L << 53;

    private readonly IDatabase _db;
    private readonly string _tag;
    private readonly RedisKey _holds;
    private readonly string _holdPrefix;

    /// <param name="redis">The shared connection.</param>
    /// <param name="prefix">Key prefix (also the hash tag); use a distinct one per deployment or test.</param>
    public RedisBudgetStore(IConnectionMultiplexer redis, string prefix = "tollgate")
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        _db = redis.GetDatabase();
        _tag = "{" + prefix + "}";
        _holds = _tag + ":holds";
        _holdPrefix = _tag + ":hold:";
    }

    public async ValueTask<HoldOutcome> TryHoldAsync(HoldRequest request, CancellationToken cancellationToken = default)
    {
        var lines = request.Lines;
        var keys = new List<RedisKey>(2 + lines.Count) { _holds, _holdPrefix + request.ReservationId };
        var args = new List<RedisValue>(6 + (lines.Count * 4))
        {
            request.Now.ToUnixTimeMilliseconds(),
            _holdPrefix,
            request.ReservationId,
            request.ExpiresAt.ToUnixTimeMilliseconds(),
            (long)(request.ExpiresAt - request.Now).TotalMilliseconds + 86_400_000,
            lines.Count,
            request.ExpireAsSpent ? "1" : "0",
        };
        foreach (var line in lines)
        {
            var limit = line.Enforced ? line.LimitNanos : Math.Min(line.LimitNanos, MaxExactNanos);
            if (limit > MaxExactNanos || line.AmountNanos > MaxExactNanos)
            {
                throw new NotSupportedException($"budget '{line.BudgetId}': the Redis store handles limits up to {MaxExactNanos / 1_000_000_000} units per window exactly; use PostgreSQL for larger ones");
            }

            keys.Add(CounterKey(line.BudgetId, line.WindowKey));
            foreach (var past in line.PastWindowKeys)
            {
                keys.Add(CounterKey(line.BudgetId, past));
            }

            args.Add(limit);
            args.Add(line.AmountNanos);
            args.Add(line.Enforced ? "1" : "0");
            args.Add(line.PastWindowKeys.Count);
        }

        var result = (RedisResult[])(await _db.ScriptEvaluateAsync(RedisBudgetScripts.Hold, [.. keys], [.. args]))!;
        if ((long)result[0] == 1)
        {
            ulong over = 0;
            for (var i = 1; i < result.Length; i++)
            {
                var line = (int)result[i];
                if (line < 64)
                {
                    over |= 1UL << line;
                }
            }

            return HoldOutcome.Success(over);
        }

        return HoldOutcome.Refused((int)result[1], (long)result[2], (long)result[3]);
    }

    public async ValueTask<bool> SettleAsync(string reservationId, IReadOnlyList<HoldLine> lines, IReadOnlyList<long> actualNanos, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var args = new RedisValue[1 + actualNanos.Count];
        args[0] = reservationId;
        for (var i = 0; i < actualNanos.Count; i++)
        {
            args[i + 1] = actualNanos[i];
        }

        var result = await _db.ScriptEvaluateAsync(RedisBudgetScripts.Settle, [_holds, _holdPrefix + reservationId], args);
        return (long)result == 1;
    }

    public async ValueTask<BudgetCounter> GetCounterAsync(string budgetId, string windowKey, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var result = (RedisResult[])(await _db.ScriptEvaluateAsync(RedisBudgetScripts.Read, [_holds, CounterKey(budgetId, windowKey)], [now.ToUnixTimeMilliseconds(), _holdPrefix]))!;
        return new BudgetCounter((long)result[0], (long)result[1]);
    }

    public async ValueTask SetSpentAsync(string budgetId, string windowKey, long spentNanos, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spentNanos);
        await _db.HashSetAsync(CounterKey(budgetId, windowKey), "s", spentNanos);
    }

    public async ValueTask<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        (int)(await _db.ScriptEvaluateAsync(RedisBudgetScripts.ReclaimAll, [_holds], [now.ToUnixTimeMilliseconds(), _holdPrefix]));

    public async ValueTask<bool> TryMarkOnceAsync(string budgetId, string windowKey, string marker, CancellationToken cancellationToken = default) =>
        await _db.StringSetAsync($"{_tag}:mark:{budgetId}:{windowKey}:{marker}", 1, TimeSpan.FromDays(400), When.NotExists);

    public async ValueTask<EmergencyState?> GetEmergencyAsync(CancellationToken cancellationToken = default)
    {
        var value = await _db.StringGetAsync(_tag + ":emergency");
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var parts = ((string)value!).Split('\t', 3);
        return new EmergencyState(parts[0], DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture)), parts[2]);
    }

    public async ValueTask<bool> TryStartEmergencyAsync(EmergencyState state, CancellationToken cancellationToken = default) =>
        await _db.StringSetAsync(_tag + ":emergency", $"{state.BudgetId}\t{state.Since.ToUnixTimeMilliseconds()}\t{state.Reason}", null, When.NotExists);

    public async ValueTask<bool> ResetEmergencyAsync(CancellationToken cancellationToken = default) =>
        await _db.KeyDeleteAsync(_tag + ":emergency");

    /// <summary>One emergency-mode request allowance per minute shared by every instance using this prefix.</summary>
    public async ValueTask<bool?> TryTakeEmergencySlotAsync(long minute, int perMinute, CancellationToken cancellationToken = default)
    {
        var count = (long)await _db.ScriptEvaluateAsync(RedisBudgetScripts.Throttle, [(RedisKey)(_tag + ":throttle:" + minute.ToString(CultureInfo.InvariantCulture))]);
        return count <= perMinute;
    }

    internal RedisKey CounterKey(string budgetId, string windowKey) => $"{_tag}:c:{budgetId}:{windowKey}";
}
