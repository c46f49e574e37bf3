namespace Tollgate.Budgets;

/// <summary>Converts USD amounts (the price catalog's currency) into a budget's currency.</summary>
public interface IExchangeRateSource
{
    IReadOnlyCollection<string> Currencies { get; }

    bool Supports(string currency);

    /// <summary>Units of <paramref name="currency"/> per 1 USD; false when unknown.</summary>
    bool TryGetRate(string currency, out decimal unitsPerUsd);
}
