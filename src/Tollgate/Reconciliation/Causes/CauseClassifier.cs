using Tollgate.Costing;
using Tollgate.Reconciliation.Matching;

namespace Tollgate.Reconciliation.Causes;

/// <summary>
/// Names the cause of each differing cell, from the cell's own figures and its neighbours': first time-zone shifts
/// (adjacent days netting to zero), then, when tokens differ, batch, cache accounting and untracked calls;
/// when only the cost differs, rounding, Priority Tier, batch pricing, a uniform discount, else a price-list mismatch.
/// </summary>
public sealed class CauseClassifier(ListPrices prices, ReconciliationOptions options)
{
    public Dictionary<Cell, string> Classify(IReadOnlyList<Cell> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var causes = new Dictionary<Cell, string>();
        foreach (var cell in TimeZoneRuns(cells).SelectMany(run => run))
        {
            causes[cell] = DifferenceCause.TimeZoneShift;
        }

        // A day cell (costs not by model) follows its day's models: their shift is its shift.
        foreach (var day in cells.Where(c => !c.ComparesTokens && c.TokensDiffer))
        {
            if (causes.Keys.Any(c => c.Day == day.Day && c.ComparesTokens))
            {
                causes[day] = DifferenceCause.TimeZoneShift;
            }
        }

        var discount = CommonDiscount(cells);
        foreach (var cell in cells)
        {
            if (causes.ContainsKey(cell))
            {
                continue;
            }

            var costDelta = cell.ComparesCost ? cell.Delta(ReconcileKind.Cost) : 0;
            if (cell.TokensDiffer)
            {
                causes[cell] = TokenCause(cell);
            }
            else if (costDelta != 0)
            {
                causes[cell] = cell.Model == Cell.Unattributed ? DifferenceCause.Unexplained : CostCause(cell, discount, cells);
            }
        }

        return causes;
    }

    /// <summary>
    /// Runs of two or more adjacent days of one model whose token (and request) deltas sum to zero in every kind: the
    /// usage moved across midnight — one call counted a day later, or a share of each day moved to the next.
    /// </summary>
    private static IEnumerable<List<Cell>> TimeZoneRuns(IReadOnlyList<Cell> cells)
    {
        foreach (var model in cells.Where(c => c.ComparesTokens).GroupBy(c => c.Model, StringComparer.Ordinal))
        {
            var byDay = model.ToDictionary(c => c.Day);
            var used = new HashSet<DateOnly>();
            foreach (var first in model.OrderBy(c => c.Day))
            {
                if (used.Contains(first.Day) || !first.TokensDiffer)
                {
                    continue;
                }

                var run = new List<Cell> { first };
                var kinds = first.Provider.HasRequests ? [.. ReconcileKinds.Tokens, ReconcileKind.Requests] : ReconcileKinds.Tokens.ToList();
                var sums = kinds.Select(first.Delta).ToArray();
                while (byDay.TryGetValue(run[^1].Day.AddDays(1), out var next) && next.TokensDiffer && !used.Contains(next.Day))
                {
                    run.Add(next);
                    for (var k = 0; k < kinds.Count; k++)
                    {
                        sums[k] += next.Delta(kinds[k]);
                    }

                    if (sums.All(sum => sum == 0))
                    {
                        used.UnionWith(run.Select(c => c.Day));
                        yield return run;
                        break;
                    }
                }
            }
        }
    }

    private string TokenCause(Cell cell)
    {
        var kinds = Kinds(cell);
        if (!cell.Batch.IsEmpty && kinds.All(k => cell.Delta(k) == cell.Batch[k]))
        {
            return DifferenceCause.Batch;
        }

        // The same calls (output, requests) with their input split differently — or only the cache kinds differing (cache
        // reads or writes one side did not count).
        var sameCalls = cell.Delta(ReconcileKind.Output) == 0 && (!cell.Provider.HasRequests || cell.Delta(ReconcileKind.Requests) == 0);
        if (sameCalls && (cell.Provider.TotalInput == cell.Ledger.TotalInput || cell.Delta(ReconcileKind.Input) == 0))
        {
            return DifferenceCause.CacheAccounting;
        }

        if (kinds.All(k => cell.Delta(k) >= 0))
        {
            var providerTotal = cell.Provider.TotalInput + cell.Provider.Output;
            var share = providerTotal == 0 ? 0 : (decimal)(cell.Ledger.TotalInput + cell.Ledger.Output) / providerTotal;
            var proportional = kinds.All(k => cell.Provider[k] == 0
                ? cell.Ledger[k] == 0
                : Math.Abs(((decimal)cell.Ledger[k] / cell.Provider[k]) - share) <= options.ProportionTolerance);

            // More requests billed, or more input and more output, is more calls even when their mix differs from the ledger's.
            var moreCalls = (cell.Provider.HasRequests && cell.Delta(ReconcileKind.Requests) > 0)
                || (cell.Provider.TotalInput > cell.Ledger.TotalInput && cell.Delta(ReconcileKind.Output) > 0);
            if (proportional || moreCalls)
            {
                return DifferenceCause.Untracked;
            }
        }

        return DifferenceCause.Unexplained;
    }

    private string CostCause(Cell cell, decimal? discount, IReadOnlyList<Cell> cells)
    {
        var delta = Money.FromNanos(cell.Delta(ReconcileKind.Cost));
        if (Math.Abs(delta) <= options.RoundingToleranceUsd)
        {
            return DifferenceCause.Rounding;
        }

        if (!cell.Priority.IsEmpty && delta < 0)
        {
            return DifferenceCause.PriorityTier;
        }

        if (!cell.Batch.IsEmpty)
        {
            // A day cell has no model of its own: its batch usage is priced model by model.
            var half = (cell.Model == Cell.AllModels
                ? cells.Where(c => c.Day == cell.Day && c.ComparesTokens).Sum(c => prices.Cost(c.Model, c.Day, c.Batch))
                : prices.Cost(cell.Model, cell.Day, cell.Batch)) / 2;
            if (Math.Abs(delta + half) <= options.RoundingToleranceUsd + (options.ShareTolerance * half))
            {
                return DifferenceCause.Batch;
            }
        }

        if (discount is { } common && Ratio(cell) is { } ratio && Math.Abs(ratio - common) <= options.DiscountTolerance * common)
        {
            return DifferenceCause.Discount;
        }

        return DifferenceCause.PriceMismatch;
    }

    /// <summary>
    /// The provider/ledger cost ratio most cells with the same tokens share (their median), when it is below 1, at
    /// least two cells share it, and they are of more than one model (unless there is one): a negotiated discount lowers
    /// every model's cost by the same percentage.
    /// </summary>
    private decimal? CommonDiscount(IReadOnlyList<Cell> cells)
    {
        var ratios = cells.Where(c => c.ComparesCost && !c.TokensDiffer && c.Priority.IsEmpty && c.Batch.IsEmpty && Ratio(c) is not null)
            .Select(c => (Ratio: Ratio(c)!.Value, c.Model)).OrderBy(r => r.Ratio).ToList();
        if (ratios.Count < 2)
        {
            return null;
        }

        var median = ratios[ratios.Count / 2].Ratio;
        var sharing = ratios.Where(r => Math.Abs(r.Ratio - median) <= options.DiscountTolerance * median).ToList();

        // Uniform across models: one model priced apart is a price-list mismatch, not a discount.
        var models = ratios.Select(r => r.Model).Distinct(StringComparer.Ordinal).Count();
        var uniform = models == 1 || sharing.Select(r => r.Model).Distinct(StringComparer.Ordinal).Count() >= 2;
        return median < 1 - options.DiscountTolerance && sharing.Count >= 2 && uniform ? median : null;
    }

    private static decimal? Ratio(Cell cell) =>
        cell.Ledger.CostNanos > 0 && cell.Provider.CostNanos > 0 ? (decimal)cell.Provider.CostNanos / cell.Ledger.CostNanos : null;

    private static List<ReconcileKind> Kinds(Cell cell) =>
        cell.Provider.HasRequests ? [.. ReconcileKinds.Tokens, ReconcileKind.Requests] : [.. ReconcileKinds.Tokens];
}
