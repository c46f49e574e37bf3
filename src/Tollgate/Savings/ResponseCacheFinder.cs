using System.Globalization;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Savings;

/// <summary>
/// <c>response_cache</c>: successful calls whose <see cref="UsageRecord.RequestFingerprint"/> equals that of an earlier
/// call (not an attempt of the same request) made less than <see cref="RecommendationOptions.ResponseCacheWindow"/>
/// before the call that would have been cached — the first of a run, as a cache stores on a miss and does not extend on a
/// hit. Saving = the whole cost of those repeats. Memory holds only the fingerprints of the last window.
/// </summary>
internal sealed class ResponseCacheFinder(RecommendationOptions options) : ISavingFinder
{
    private readonly Dictionary<string, Entry> _cached = new(StringComparer.Ordinal);
    private readonly Queue<(long Ticks, string Fingerprint)> _expiry = new();
    private readonly Dictionary<ProviderModelKey, Totals> _models = [];

    public void Add(UsageRecord record)
    {
        var key = new ProviderModelKey(record.Provider, record.Model);
        if (!_models.TryGetValue(key, out var totals))
        {
            _models[key] = totals = new Totals();
        }

        totals.Nanos += record.TotalCostNanos;
        totals.Requests++;
        if (!record.Success || record.RequestFingerprint is not { } fingerprint)
        {
            return;
        }

        var ticks = record.Timestamp.UtcTicks;
        var window = options.ResponseCacheWindow.Ticks;
        while (_expiry.TryPeek(out var oldest) && ticks - oldest.Ticks > window)
        {
            _expiry.Dequeue();
            if (_cached.TryGetValue(oldest.Fingerprint, out var stale) && stale.Ticks == oldest.Ticks)
            {
                _cached.Remove(oldest.Fingerprint);
            }
        }

        var scoped = record.Provider + "\n" + record.Model + "\n" + fingerprint;
        if (_cached.TryGetValue(scoped, out var entry) && ticks - entry.Ticks <= window)
        {
            if (entry.RequestId != record.RequestId)
            {
                totals.Repeats++;
                totals.RepeatNanos += record.TotalCostNanos;
                totals.Distinct += entry.Repeated ? 0 : 1;
                _cached[scoped] = entry with { Repeated = true };
            }

            return;
        }

        _cached[scoped] = new Entry(ticks, record.RequestId, false);
        _expiry.Enqueue((ticks, scoped));
    }

    public IEnumerable<Recommendation> Recommendations(SavingThreshold worth)
    {
        foreach (var (key, totals) in _models)
        {
            if (worth(totals.RepeatNanos, totals.Nanos) is not { } percent)
            {
                continue;
            }

            var window = options.ResponseCacheWindow;
            yield return new Recommendation(
                "response_cache", $"Cache {key.Model} responses: {totals.Repeats.ToString("N0", CultureInfo.InvariantCulture)} calls repeated an identical request",
                new Dictionary<string, string> { ["provider"] = key.Provider, ["model"] = key.Model },
                totals.RepeatNanos, percent, "medium",
                new Dictionary<string, string>
                {
                    ["requests"] = totals.Requests.ToString(CultureInfo.InvariantCulture),
                    ["repeats"] = totals.Repeats.ToString(CultureInfo.InvariantCulture),
                    ["repeated_requests"] = totals.Distinct.ToString(CultureInfo.InvariantCulture),
                    ["window_minutes"] = ((long)window.TotalMinutes).ToString(CultureInfo.InvariantCulture),
                    ["actual_usd"] = Money.Format(Money.FromNanos(totals.Nanos)),
                    ["repeats_usd"] = Money.Format(Money.FromNanos(totals.RepeatNanos)),
                },
                $"answer identical {key.Model} requests from a response cache kept {(long)window.TotalMinutes} minutes (keyed by the request fingerprint); skip it for requests that ask for variety (temperature > 0 and several answers wanted)");
        }
    }

    private readonly record struct Entry(long Ticks, string RequestId, bool Repeated);

    private sealed class Totals
    {
        public long Nanos;
        public long Requests;
        public long Repeats;
        public long RepeatNanos;
        public long Distinct;
    }
}
