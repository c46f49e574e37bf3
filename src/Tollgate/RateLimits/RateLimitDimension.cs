namespace Tollgate.RateLimits;

/// <summary>Who a rate limit counts per.</summary>
public enum RateLimitDimension
{
    Key,
    User,
    Tenant,
}
