using Tollgate.Costing;

namespace Tollgate.Savings;

/// <summary>
/// The same usage under another price list, discounts, model or provider. <see cref="ActualNanos"/> and
/// <see cref="WhatIfNanos"/> cover the priced, measured records; the others are reported apart: estimated records (their
/// usage was Tollgate's own count), records unpriced when made, and records the scenario cannot price.
/// <see cref="NotReproduced"/> counts repriced records whose cost the current prices do not give again (a price change
/// since, a volume tier): their actual cost is still what the ledger says. Records the scenario does not change (no map
/// moves them, no new price applies) are not repriced: they cost what they cost.
/// </summary>
public sealed record WhatIfResult(long ActualNanos, long WhatIfNanos, IReadOnlyList<WhatIfGroup> Groups)
{
    public long Requests { get; init; }

    public WhatIfGroup Estimated { get; init; } = new("(estimated)", 0, 0, 0);

    public long Unpriced { get; init; }

    public long UnpricedInScenario { get; init; }

    /// <summary>The ledger cost of the records the scenario could not price (left out of both sums).</summary>
    public long UnpricedInScenarioActualNanos { get; init; }

    public long NotReproduced { get; init; }

    /// <summary>Sum of (recorded − repriced at current prices) over <see cref="NotReproduced"/> records.</summary>
    public long NotReproducedDeltaNanos { get; init; }

    public decimal Actual => Money.FromNanos(ActualNanos);

    public decimal WhatIf => Money.FromNanos(WhatIfNanos);

    public decimal Difference => Money.FromNanos(WhatIfNanos - ActualNanos);
}

/// <summary>One group of a <see cref="WhatIfResult"/>.</summary>
public sealed record WhatIfGroup(string Key, long Requests, long ActualNanos, long WhatIfNanos)
{
    public decimal Actual => Money.FromNanos(ActualNanos);

    public decimal WhatIf => Money.FromNanos(WhatIfNanos);

    public decimal Difference => Money.FromNanos(WhatIfNanos - ActualNanos);

    /// <summary>Difference over the actual cost in percent (two decimals); null when the actual cost is zero.</summary>
    public decimal? DifferencePercent => ActualNanos == 0 ? null : Math.Round((WhatIfNanos - ActualNanos) * 100m / ActualNanos, 2, MidpointRounding.ToEven);
}
