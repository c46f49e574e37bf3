using Tollgate.Costing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>What settlement computed for one attempt.</summary>
internal readonly record struct Settlement(CostBreakdown Cost, Usage Usage, bool Estimated, decimal? BudgetRemaining, string? UsageProblem = null);
