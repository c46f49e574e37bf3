using System.Globalization;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Savings;

/// <summary>
/// <c>off_peak</c>: non-urgent calls on models whose price depends on the time of day (the catalog's time-of-day
/// constraints, e.g. DeepSeek's discount from 16:30 to 00:30 UTC). Each call is repriced at the cheapest half hour of
/// its UTC day (found once per model and day by pricing the call's usage at each of the 48); saving = its price at its
/// own time − at that half hour.
/// </summary>
internal sealed class OffPeakFinder(ICostCalculator pricing, Func<UsageRecord, bool> nonUrgent) : ISavingFinder
{
    private const int Slots = 48;

    private readonly Dictionary<(ProviderModelKey Model, long Day), TimeSpan?> _cheapest = [];
    private readonly Dictionary<ProviderModelKey, Totals> _models = [];

    public void Add(UsageRecord record)
    {
        if (!nonUrgent(record))
        {
            return;
        }

        var key = new ProviderModelKey(record.Provider, record.Model);
        if (!_models.TryGetValue(key, out var totals))
        {
            _models[key] = totals = new Totals();
        }

        totals.Requests++;
        totals.Nanos += record.TotalCostNanos;
        var day = record.Timestamp.UtcDateTime.Date;
        if (Cheapest(key, record, day) is not { } slot)
        {
            return;
        }

        var at = Nanos(record, record.Timestamp);
        var moved = Nanos(record, new DateTimeOffset(day + slot, TimeSpan.Zero));
        if (at is { } a && moved is { } b && a > b)
        {
            totals.Moved++;
            totals.SavingNanos += a - b;
            totals.Hour = slot;
        }
    }

    public IEnumerable<Recommendation> Recommendations(SavingThreshold worth)
    {
        foreach (var (key, totals) in _models)
        {
            if (worth(totals.SavingNanos, totals.Nanos) is not { } percent)
            {
                continue;
            }

            var from = totals.Hour.ToString(@"hh\:mm", CultureInfo.InvariantCulture);
            yield return new Recommendation(
                "off_peak", $"Run {key.Model}'s non-urgent calls in its off-peak hours (from {from} UTC)",
                new Dictionary<string, string> { ["provider"] = key.Provider, ["model"] = key.Model, ["traffic"] = "non-urgent" },
                totals.SavingNanos, percent, "high",
                new Dictionary<string, string>
                {
                    ["requests"] = totals.Requests.ToString(CultureInfo.InvariantCulture),
                    ["moved_requests"] = totals.Moved.ToString(CultureInfo.InvariantCulture),
                    ["actual_usd"] = Money.Format(Money.FromNanos(totals.Nanos)),
                    ["cheapest_from_utc"] = from,
                },
                $"queue these calls and send them from {from} UTC, when {key.Provider} charges its off-peak price");
        }
    }

    /// <summary>The start of the cheapest half hour of <paramref name="day"/>, or null when the price does not depend on the time.</summary>
    private TimeSpan? Cheapest(ProviderModelKey key, UsageRecord record, DateTime day)
    {
        var cacheKey = (key, day.Ticks / TimeSpan.TicksPerDay);
        if (_cheapest.TryGetValue(cacheKey, out var slot))
        {
            return slot;
        }

        var prices = new long?[Slots];
        for (var i = 0; i < Slots; i++)
        {
            prices[i] = Nanos(record, new DateTimeOffset(day + TimeSpan.FromMinutes(30 * i), TimeSpan.Zero));
        }

        var known = prices.Where(p => p is not null).Select(p => p!.Value).ToList();
        slot = null;
        if (known.Count > 0 && known.Max() > known.Min())
        {
            // The start of the cheap window (a cheapest half hour after a dearer one), as an operator would schedule it.
            var min = known.Min();
            var start = Enumerable.Range(0, Slots).First(i => prices[i] == min && prices[(i + Slots - 1) % Slots] != min);
            slot = TimeSpan.FromMinutes(30 * start);
        }

        _cheapest[cacheKey] = slot;
        return slot;
    }

    private long? Nanos(UsageRecord record, DateTimeOffset at) =>
        pricing.CalculateTotal(record.Provider, record.Model, record.Usage, at) is { Priced: true } cost ? Money.ToNanos(cost.TotalCost) : null;

    private sealed class Totals
    {
        public long Nanos;
        public long Requests;
        public long Moved;
        public long SavingNanos;
        public TimeSpan Hour;
    }
}
