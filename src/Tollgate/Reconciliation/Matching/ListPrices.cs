using Tollgate.Costing;

namespace Tollgate.Reconciliation.Matching;

/// <summary>
/// A tally priced at the catalog's list price in force that day, before any discount — one rate per kind, taken from a
/// probe below every tier threshold, so a day's sum is priced as the calls were (not as one huge call at a tier's price).
/// Used for the capture rate (both sides at the same prices) and to size batch and Priority Tier shares.
/// </summary>
public sealed class ListPrices(ModelNames names)
{
    private const long Probe = 100_000;
    private readonly Dictionary<(string, DateOnly), decimal[]> _rates = [];

    /// <summary>The tally's list cost in USD; 0 for a model the catalog does not price.</summary>
    public decimal Cost(string model, DateOnly day, Tally tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        var rates = Rates(model, day);
        return (tally.Input * rates[0]) + (tally.CachedInput * rates[1]) + (tally.CacheWrite5m * rates[2])
            + (tally.CacheWrite1h * rates[3]) + (tally.Output * rates[4]) + (tally.Requests * rates[5]);
    }

    private decimal[] Rates(string model, DateOnly day)
    {
        if (_rates.TryGetValue((model, day), out var cached))
        {
            return cached;
        }

        var lookup = names.Lookup(model);
        var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);
        decimal Rate(Usage usage, long count) => lookup.Found && lookup.ComputeCost(usage, at) is { Priced: true } cost ? cost.TotalCost / count : 0;
        var rates = new[]
        {
            Rate(new Usage { InputTokens = Probe }, Probe),
            Rate(new Usage { InputTokens = Probe, CacheReadTokens = Probe }, Probe),
            Rate(new Usage { InputTokens = Probe, CacheWriteTokens = Probe }, Probe),
            Rate(With(new Usage { InputTokens = Probe, CacheWriteTokens = Probe }, UsageUnit.CacheWrite1hTokens), Probe),
            Rate(new Usage { OutputTokens = Probe }, Probe),
            Rate(new Usage { Requests = 1 }, 1),
        };
        _rates[(model, day)] = rates;
        return rates;
    }

    private static Usage With(Usage usage, UsageUnit unit)
    {
        usage[unit] = Probe;
        return usage;
    }
}
