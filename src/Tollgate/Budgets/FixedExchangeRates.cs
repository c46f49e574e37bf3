namespace Tollgate.Budgets;

/// <summary>Exchange rates from configuration. <see cref="UsdOnly"/> is the default: budgets in other currencies need rates.</summary>
public sealed class FixedExchangeRates : IExchangeRateSource
{
    private readonly Dictionary<string, decimal> _rates;

    /// <param name="unitsPerUsd">Currency code → units per 1 USD (e.g. EUR → 0.92).</param>
    public FixedExchangeRates(IReadOnlyDictionary<string, decimal> unitsPerUsd)
    {
        _rates = new Dictionary<string, decimal>(StringComparer.Ordinal) { ["USD"] = 1m };
        foreach (var (code, rate) in unitsPerUsd)
        {
            if (rate <= 0)
            {
                throw new ArgumentException($"exchange rate for {code} must be positive", nameof(unitsPerUsd));
            }

            _rates[code] = rate;
        }
    }

    public static FixedExchangeRates UsdOnly { get; } = new(new Dictionary<string, decimal>());

    public IReadOnlyCollection<string> Currencies => _rates.Keys;

    public bool Supports(string currency) => _rates.ContainsKey(currency);

    public bool TryGetRate(string currency, out decimal unitsPerUsd) => _rates.TryGetValue(currency, out unitsPerUsd);
}
