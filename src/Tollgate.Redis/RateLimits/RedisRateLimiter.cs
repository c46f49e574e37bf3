using StackExchange.Redis;
using Tollgate.Budgets;
using Tollgate.RateLimits;

namespace Tollgate.Redis.RateLimits;

/// <summary>
/// Requests/tokens per minute shared by every gateway instance: one Lua script checks every rule's sliding
/// window and counts the request in all of them, or in none. Keys: <c>{prefix}:rl:DIM:ID:METRIC:MINUTE</c>.
/// </summary>
public sealed class RedisRateLimiter : IRateLimiter
{
    private const string Script = """
        local n = tonumber(ARGV[1])
        local f = tonumber(ARGV[2])
        for i = 1, n do
          local prev = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
          local cur = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
          local cost, limit = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
          if prev * (1 - f) + cur + cost > limit then
            return {0, i - 1, prev, cur}
          end
        end
        for i = 1, n do
          redis.call('INCRBY', KEYS[2 * i - 1], ARGV[1 + 2 * i])
          redis.call('PEXPIRE', KEYS[2 * i - 1], 180000)
        end
        return {1}
        """;

    private readonly IDatabase _db;
    private readonly RateLimitRule[] _rules;
    private readonly TimeProvider _time;
    private readonly string _tag;

    public RedisRateLimiter(IConnectionMultiplexer redis, IEnumerable<RateLimitRule> rules, string prefix = "tollgate", TimeProvider? timeProvider = null)
    {
        _db = redis.GetDatabase();
        _rules = [.. rules];
        var errors = _rules.SelectMany(r => r.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(rules));
        }

        _tag = "{" + prefix + "}";
        _time = timeProvider ?? TimeProvider.System;
    }

    public async ValueTask<RateLimitDecision> TryAcquireAsync(BudgetSubject subject, int tokens, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var minute = nowMs / SlidingWindow.MinuteMs;
        var checks = new List<(string Counter, long Cost, long Limit, RateLimitRule Rule, string Metric)>();
        foreach (var rule in _rules)
        {
            if (SlidingWindow.IdFor(rule, subject) is not { } id)
            {
                continue;
            }

            if (rule.RequestsPerMinute is { } rpm)
            {
                checks.Add(($"{_tag}:rl:{rule.Dimension}:{id}:rpm:", 1, rpm, rule, "requests"));
            }

            if (rule.TokensPerMinute is { } tpm)
            {
                checks.Add(($"{_tag}:rl:{rule.Dimension}:{id}:tpm:", tokens, tpm, rule, "tokens"));
            }
        }

        if (checks.Count == 0)
        {
            return RateLimitDecision.Allow;
        }

        var keys = new RedisKey[checks.Count * 2];
        var args = new RedisValue[2 + (checks.Count * 2)];
        args[0] = checks.Count;
        args[1] = ((nowMs % SlidingWindow.MinuteMs) / (double)SlidingWindow.MinuteMs).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < checks.Count; i++)
        {
            keys[2 * i] = checks[i].Counter + minute;
            keys[(2 * i) + 1] = checks[i].Counter + (minute - 1);
            args[2 + (2 * i)] = checks[i].Cost;
            args[3 + (2 * i)] = checks[i].Limit;
        }

        var result = (RedisResult[])(await _db.ScriptEvaluateAsync(Script, keys, args))!;
        if ((long)result[0] == 1)
        {
            return RateLimitDecision.Allow;
        }

        var c = checks[(int)result[1]];
        return SlidingWindow.Refusal(c.Rule, c.Metric, (long)result[2], (long)result[3], c.Cost, c.Limit, nowMs);
    }
}
