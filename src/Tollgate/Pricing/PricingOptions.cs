using System.Text.RegularExpressions;
using Tollgate.Costing;

namespace Tollgate.Pricing;

/// <summary>
/// Pricing configuration: override catalogs, the refreshed catalog source, explicit fallback prices, the reporting
/// currency with dated exchange rates, and discounts. Discounts and conversion apply in this order:
/// negotiated (provider/model) → batch (provider) → volume tier (period spend) → currency conversion.
/// </summary>
public sealed partial class PricingOptions
{
    /// <summary>Configuration section name (<c>Tollgate:Pricing</c> by convention).</summary>
    public const string SectionName = "Pricing";

    /// <summary>Override catalog files (genai-prices v2 format), later files winning over earlier ones; all win over the catalog.</summary>
    public IList<string> OverrideFiles { get; set; } = [];

    /// <summary>A catalog to refresh from: a file path or an http(s) URL. Null: the built-in catalog only.</summary>
    public string? CatalogUrl { get; set; }

    /// <summary>How long a fetched copy is fresh: within it, the last good copy on disk is used without fetching.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the catalog is refreshed in the background (when started).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Where the last good copy of the refreshed catalog is kept (falls back to it when a refresh fails).</summary>
    public string CacheDirectory { get; set; } = Path.Combine("data", "pricing");

    /// <summary>Explicit prices for models the catalog does not know; used results are marked <c>price_source: fallback</c>.</summary>
    public IList<FallbackPrice> FallbackPrices { get; set; } = [];

    /// <summary>ISO 4217 code costs are reported in; the catalog's is USD.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>Dated rates from USD to other currencies; the rate in force at the call's timestamp applies.</summary>
    public IList<ExchangeRate> ExchangeRates { get; set; } = [];

    /// <summary>Negotiated discounts per provider (and optionally model id).</summary>
    public IList<NegotiatedDiscount> NegotiatedDiscounts { get; set; } = [];

    /// <summary>Batch discounts per provider, applied to calls made through a batch API.</summary>
    public IList<BatchDiscount> BatchDiscounts { get; set; } = [];

    /// <summary>Volume tiers: the highest tier whose minimum is at or below the caller's spend in the period applies.</summary>
    public IList<VolumeDiscountTier> VolumeDiscounts { get; set; } = [];

    /// <summary>Every problem with these options, each saying what to fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IsCurrencyCode(Currency))
        {
            errors.Add($"Pricing.Currency '{Currency}' must be a 3-letter ISO 4217 code such as USD or EUR.");
        }

        if (CatalogUrl is not null)
        {
            if (Uri.TryCreate(CatalogUrl, UriKind.Absolute, out var uri) && uri.Scheme is not ("http" or "https" or "file"))
            {
                errors.Add($"Pricing.CatalogUrl '{CatalogUrl}' must be an http(s) URL or a file path.");
            }
            else if (string.IsNullOrWhiteSpace(CatalogUrl))
            {
                errors.Add("Pricing.CatalogUrl must not be blank (remove it to use the built-in catalog).");
            }
        }

        if (CacheDuration < TimeSpan.Zero)
        {
            errors.Add("Pricing.CacheDuration cannot be negative.");
        }

        if (RefreshInterval <= TimeSpan.Zero)
        {
            errors.Add("Pricing.RefreshInterval must be positive.");
        }

        if (string.IsNullOrWhiteSpace(CacheDirectory))
        {
            errors.Add("Pricing.CacheDirectory must be set.");
        }

        foreach (var file in OverrideFiles)
        {
            if (string.IsNullOrWhiteSpace(file))
            {
                errors.Add("Pricing.OverrideFiles contains a blank path.");
            }
        }

        foreach (var fallback in FallbackPrices)
        {
            errors.AddRange(fallback.Validate());
        }

        foreach (var rate in ExchangeRates)
        {
            if (!IsCurrencyCode(rate.Currency))
            {
                errors.Add($"Pricing.ExchangeRates: '{rate.Currency}' must be a 3-letter ISO 4217 code.");
            }

            if (rate.Rate <= 0)
            {
                errors.Add($"Pricing.ExchangeRates: the rate for {rate.Currency} from {rate.EffectiveFrom:O} must be positive.");
            }
        }

        foreach (var duplicate in ExchangeRates.GroupBy(r => (r.Currency, r.EffectiveFrom)).Where(g => g.Count() > 1))
        {
            errors.Add($"Pricing.ExchangeRates: two rates for {duplicate.Key.Currency} from {duplicate.Key.EffectiveFrom:O}.");
        }

        if (Currency != "USD" && IsCurrencyCode(Currency) && !ExchangeRates.Any(r => r.Currency == Currency))
        {
            errors.Add($"Pricing.Currency is {Currency} but Pricing.ExchangeRates has no rate for it.");
        }

        foreach (var discount in NegotiatedDiscounts)
        {
            CheckPercent(errors, "NegotiatedDiscounts", discount.Provider, discount.Percent);
        }

        foreach (var discount in BatchDiscounts)
        {
            CheckPercent(errors, "BatchDiscounts", discount.Provider, discount.Percent);
        }

        foreach (var tier in VolumeDiscounts)
        {
            CheckPercent(errors, "VolumeDiscounts", "volume", tier.Percent);
            if (tier.MinimumPeriodSpend < 0)
            {
                errors.Add("Pricing.VolumeDiscounts: MinimumPeriodSpend cannot be negative.");
            }
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem when the options are invalid.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid pricing options: " + string.Join(" ", errors));
        }
    }

    internal static bool IsCurrencyCode(string? code) => code is not null && CurrencyCode().IsMatch(code);

    private static void CheckPercent(List<string> errors, string list, string? provider, decimal percent)
    {
        if (string.IsNullOrWhiteSpace(provider))
        {
            errors.Add($"Pricing.{list}: each entry needs a Provider.");
        }

        if (percent is < 0 or >= 100)
        {
            errors.Add($"Pricing.{list}: Percent {percent} for '{provider}' must be at least 0 and below 100.");
        }
    }

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyCode();
}

/// <summary>A rate from USD to <see cref="Currency"/> (units of it per 1 USD), in force from <see cref="EffectiveFrom"/>.</summary>
public sealed record ExchangeRate(string Currency, decimal Rate, DateTimeOffset EffectiveFrom);

/// <summary>A negotiated discount for a provider, or one of its models when <see cref="Model"/> (a catalog model id) is set.</summary>
public sealed record NegotiatedDiscount(string Provider, string? Model, decimal Percent);

/// <summary>A provider's discount for calls made through its batch API.</summary>
public sealed record BatchDiscount(string Provider, decimal Percent);

/// <summary>A volume tier: <see cref="Percent"/> off once the period's spend (USD) reaches <see cref="MinimumPeriodSpend"/>.</summary>
public sealed record VolumeDiscountTier(decimal MinimumPeriodSpend, decimal Percent);

/// <summary>
/// An explicit price for models the catalog does not know, for <see cref="Provider"/> (a provider id, or <c>*</c> for any).
/// <see cref="Prices"/> uses catalog price keys (<c>input_mtok</c>, <c>output_mtok</c>, …). Results priced with it are marked <c>fallback</c>.
/// </summary>
public sealed record FallbackPrice(string Provider, IReadOnlyDictionary<string, decimal> Prices)
{
    internal IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Provider))
        {
            yield return "Pricing.FallbackPrices: each entry needs a Provider (a provider id or *).";
        }

        if (Prices is null || Prices.Count == 0)
        {
            yield return $"Pricing.FallbackPrices: the entry for '{Provider}' has no prices.";
            yield break;
        }

        foreach (var (key, value) in Prices)
        {
            if (!UsageUnitInfo.TryFromPriceKey(key, out _))
            {
                yield return $"Pricing.FallbackPrices: unknown price key '{key}' for '{Provider}' (use input_mtok, output_mtok, cache_read_mtok, …).";
            }

            if (value < 0)
            {
                yield return $"Pricing.FallbackPrices: price {key} for '{Provider}' cannot be negative.";
            }
        }
    }

    internal ModelPrice ToModelPrice()
    {
        var rates = new Dictionary<UsageUnit, PriceRate>();
        foreach (var (key, value) in Prices)
        {
            if (UsageUnitInfo.TryFromPriceKey(key, out var unit))
            {
                rates[unit] = new PriceRate(value, null, UsageUnitInfo.Of(unit).Per);
            }
        }

        return new ModelPrice(rates);
    }
}
