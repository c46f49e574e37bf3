namespace Tollgate.RateLimits;

/// <summary>
/// A per-minute limit on requests and/or tokens for each distinct key, user or tenant (sliding window:
/// the previous minute's count weighs in proportionally, so there is no burst at minute boundaries).
/// </summary>
public sealed record RateLimitRule(RateLimitDimension Dimension, int? RequestsPerMinute = null, int? TokensPerMinute = null)
{
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RequestsPerMinute is null && TokensPerMinute is null)
        {
            errors.Add($"{Dimension} rate limit sets neither requests nor tokens per minute");
        }

        if (RequestsPerMinute is <= 0 || TokensPerMinute is <= 0)
        {
            errors.Add($"{Dimension} rate limits must be positive");
        }

        return errors;
    }
}
