namespace Tollgate.Redis.Budgets;

/// <summary>
/// The Lua scripts that make holds atomic in Redis. All keys share one hash tag, so a script touches one slot.
/// Amounts are integer nano-units applied with HINCRBY; comparisons happen in Lua numbers, exact up to 2^53
/// (9,007,199 currency units per window), which the store checks before calling. A release subtracts as <c>0 - x</c>,
/// never <c>-x</c>: Lua's <c>-0</c> reaches Redis as "-0", which HINCRBY refuses ("not an integer"), so releasing a
/// zero hold (an unpriced call's) failed half-way through the script.
/// </summary>
internal static class RedisBudgetScripts
{
    /// <summary>Marks every hold whose expiry passed as expired and releases its held amounts. ARGV[1]=now ms, ARGV[2]=hold key prefix.</summary>
    private const string Reclaim = """
        local function reclaim(zkey, now, holdPrefix)
          local expired = redis.call('ZRANGEBYSCORE', zkey, '-inf', now)
          for _, id in ipairs(expired) do
            local hk = holdPrefix .. id
            local st = redis.call('HGET', hk, 'st')
            if st == '0' then
              local n = tonumber(redis.call('HGET', hk, 'n'))
              local asSpent = redis.call('HGET', hk, 'x') == '1'
              for j = 1, n do
                local f = redis.call('HMGET', hk, 'k' .. j, 'a' .. j)
                redis.call('HINCRBY', f[1], 'h', 0 - tonumber(f[2]))
                if asSpent then redis.call('HINCRBY', f[1], 's', tonumber(f[2])) end
              end
              redis.call('HSET', hk, 'st', '1')
              redis.call('PEXPIRE', hk, 86400000)
            end
            redis.call('ZREM', zkey, id)
          end
          return #expired
        end
        """;

    /// <summary>
    /// KEYS[1]=holds zset, KEYS[2]=this hold's key, KEYS[3..]=per line: its counter, then its past counters.
    /// ARGV: now, holdPrefix, reservationId, expiresMs, recordTtlMs, lineCount, expireAsSpent, then per line: limit, amount, enforced, pastCount.
    /// Returns {1, overLine...} or {0, failedLine, spent, held}.
    /// </summary>
    public const string Hold = Reclaim + """

        local now = tonumber(ARGV[1])
        reclaim(KEYS[1], now, ARGV[2])
        local n = tonumber(ARGV[6])
        local a, k = 8, 3
        local pending, order, over = {}, {}, {}
        local record = {'st', '0', 'n', n, 'x', ARGV[7]}
        for i = 1, n do
          local limit, amount, enforced, npast = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2], tonumber(ARGV[a + 3])
          local ck = KEYS[k]
          local v = redis.call('HMGET', ck, 's', 'h')
          local spent = tonumber(v[1] or '0')
          local held = tonumber(v[2] or '0') + (pending[ck] or 0)
          for p = 1, npast do
            local pv = redis.call('HMGET', KEYS[k + p], 's', 'h')
            spent = spent + tonumber(pv[1] or '0')
            held = held + tonumber(pv[2] or '0')
          end
          if spent + held + amount > limit then
            if enforced == '1' then
              return {0, i - 1, spent, held}
            end
            over[#over + 1] = i - 1
          end
          if not pending[ck] then order[#order + 1] = ck end
          pending[ck] = (pending[ck] or 0) + amount
          record[#record + 1] = 'k' .. i
          record[#record + 1] = ck
          record[#record + 1] = 'a' .. i
          record[#record + 1] = ARGV[a + 1]
          a = a + 4
          k = k + 1 + npast
        end
        for _, ck in ipairs(order) do
          redis.call('HINCRBY', ck, 'h', pending[ck])
        end
        redis.call('HSET', KEYS[2], unpack(record))
        redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]))
        redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), ARGV[3])
        local result = {1}
        for _, i in ipairs(over) do result[#result + 1] = i end
        return result
        """;

    /// <summary>KEYS[1]=holds zset, KEYS[2]=hold key. ARGV: reservationId, actual per line. Returns 1, or 0 when unknown.</summary>
    public const string Settle = """
        local st = redis.call('HGET', KEYS[2], 'st')
        if not st then return 0 end
        local n = tonumber(redis.call('HGET', KEYS[2], 'n'))
        for j = 1, n do
          local f = redis.call('HMGET', KEYS[2], 'k' .. j, 'a' .. j)
          if st == '0' then redis.call('HINCRBY', f[1], 'h', 0 - tonumber(f[2])) end
          redis.call('HINCRBY', f[1], 's', ARGV[1 + j] or 0)
        end
        redis.call('DEL', KEYS[2])
        redis.call('ZREM', KEYS[1], ARGV[1])
        return 1
        """;

    /// <summary>KEYS[1]=holds zset, KEYS[2]=counter. ARGV: now, holdPrefix. Returns {spent, held} after reclaiming.</summary>
    public const string Read = Reclaim + """

        reclaim(KEYS[1], tonumber(ARGV[1]), ARGV[2])
        local v = redis.call('HMGET', KEYS[2], 's', 'h')
        return {v[1] or '0', v[2] or '0'}
        """;

    /// <summary>KEYS[1]=this minute's emergency counter. Returns the count after this request (the key lives two minutes).</summary>
    public const string Throttle = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], 120000) end
        return n
        """;

    /// <summary>KEYS[1]=holds zset. ARGV: now, holdPrefix. Returns the number reclaimed.</summary>
    public const string ReclaimAll = Reclaim + """

        return reclaim(KEYS[1], tonumber(ARGV[1]), ARGV[2])
        """;
}
