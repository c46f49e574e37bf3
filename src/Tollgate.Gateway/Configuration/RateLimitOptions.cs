using Tollgate.RateLimits;

namespace Tollgate.Gateway.Configuration;

/// <summary>One rate limit in configuration: <c>{"dimension": "key", "rpm": 600, "tpm": 200000}</c>.</summary>
public sealed class RateLimitOptions
{
    /// <summary><c>key</c>, <c>user</c> or <c>tenant</c>: the limit counts per distinct value of it.</summary>
    public string Dimension { get; set; } = "key";

    public int? Rpm { get; set; }

    public int? Tpm { get; set; }

    public IEnumerable<string> Validate()
    {
        if (!Enum.TryParse<RateLimitDimension>(Dimension, ignoreCase: true, out var dimension))
        {
            yield return $"dimension '{Dimension}' is unknown: use key, user or tenant";
            yield break;
        }

        foreach (var problem in new RateLimitRule(dimension, Rpm, Tpm).Validate())
        {
            yield return problem + " (set \"rpm\" and/or \"tpm\" to a positive number)";
        }
    }

    internal RateLimitRule ToRule() => new(Enum.Parse<RateLimitDimension>(Dimension, ignoreCase: true), Rpm, Tpm);
}
