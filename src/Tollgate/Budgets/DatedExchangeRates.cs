using Tollgate.Pricing;

namespace Tollgate.Budgets;

/// <summary>
/// The configured dated exchange rates (<see cref="PricingOptions.ExchangeRates"/>, units of a currency per 1 USD from
/// a moment on) as budgets see them: the rate in force now. Budgets in a currency with no rate are refused at creation.
/// </summary>
public sealed class DatedExchangeRates : IExchangeRateSource
{
    private readonly ExchangeRate[] _rates;
    private readonly TimeProvider _time;

    public DatedExchangeRates(IEnumerable<ExchangeRate> rates, TimeProvider? timeProvider = null)
    {
        _rates = [.. rates.OrderByDescending(r => r.EffectiveFrom)];
        _time = timeProvider ?? TimeProvider.System;
        Currencies = ["USD", .. _rates.Select(r => r.Currency).Where(c => c != "USD").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public IReadOnlyCollection<string> Currencies { get; }

    public bool Supports(string currency) => currency == "USD" || Array.Exists(_rates, r => r.Currency == currency);

    public bool TryGetRate(string currency, out decimal unitsPerUsd)
    {
        if (currency == "USD")
        {
            unitsPerUsd = 1m;
            return true;
        }

        var now = _time.GetUtcNow();
        foreach (var rate in _rates)
        {
            if (rate.Currency == currency && rate.EffectiveFrom <= now)
            {
                unitsPerUsd = rate.Rate;
                return true;
            }
        }

        unitsPerUsd = 0m;
        return false;
    }
}
