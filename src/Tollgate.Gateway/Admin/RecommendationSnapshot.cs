using Tollgate.Savings;

namespace Tollgate.Gateway.Admin;

/// <summary>Recommendations over [<paramref name="From"/>, <paramref name="To"/>), computed at <paramref name="ComputedAt"/>.</summary>
internal sealed record RecommendationSnapshot(DateTimeOffset From, DateTimeOffset To, DateTimeOffset ComputedAt, IReadOnlyList<Recommendation> Recommendations);
