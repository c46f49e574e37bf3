using Tollgate.Costing;

namespace Tollgate.Pricing;

/// <summary>
/// Tollgate's cost engine (<see cref="ICostCalculator"/>): resolves the provider's model in the current catalog,
/// picks the price set in force at the call's timestamp, prices every unit exactly (decimal, containment, tiers),
/// then applies configured discounts and currency conversion, in this order: negotiated → batch → volume → exchange.
/// An unknown model is unpriced (with hints), or priced by an explicit fallback price marked <c>fallback</c>; never $0.
/// </summary>
public sealed class CostEngine : ICostCalculator
{
    /// <summary>Price source label of results priced by a configured <see cref="FallbackPrice"/>.</summary>
    public const string FallbackSource = "fallback";

    private readonly Func<PriceCatalog> _catalog;
    private readonly PricingOptions _options;
    private readonly (FallbackPrice Rule, ModelPrice Price)[] _fallbacks;
    private readonly ExchangeRate[] _rates;

    /// <summary>An engine over a fixed catalog.</summary>
    public CostEngine(PriceCatalog catalog, PricingOptions? options = null)
        : this(() => catalog, options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
    }

    /// <summary>An engine over a refreshed catalog: each call uses the source's current copy.</summary>
    public CostEngine(PriceCatalogSource source, PricingOptions? options = null)
        : this(() => source.Current, options)
    {
        ArgumentNullException.ThrowIfNull(source);
    }

    private CostEngine(Func<PriceCatalog> catalog, PricingOptions? options)
    {
        _catalog = catalog;
        _options = options ?? new PricingOptions();
        _options.EnsureValid();
        _fallbacks = [.. _options.FallbackPrices.Select(f => (f, f.ToModelPrice()))];
        _rates = [.. _options.ExchangeRates.OrderByDescending(r => r.EffectiveFrom)];
    }

    /// <summary>The catalog calls are priced with right now.</summary>
    public PriceCatalog Catalog => _catalog();

    /// <summary>Resolves a model once (context window, price schedule, allocation-free <see cref="ModelLookup.ComputeCost"/>).</summary>
    public ModelLookup Resolve(string provider, string model) => _catalog().Resolve(provider, model);

    /// <summary>
    /// Extracts usage from a provider's raw response body (the catalog's extractor for <paramref name="apiFlavor"/>)
    /// and prices it at <paramref name="timestamp"/>. Failures are results, never exceptions.
    /// </summary>
    public PricedResponse PriceResponse(string provider, string apiFlavor, System.Text.Json.JsonElement body, DateTimeOffset timestamp, CostContext context = default)
    {
        var catalog = _catalog();
        var extraction = UsageExtractor.Extract(catalog, provider, apiFlavor, body);
        if (!extraction.Success)
        {
            return new PricedResponse(extraction, null);
        }

        if (extraction.Model is null)
        {
            return new PricedResponse(extraction, CostBreakdown.Unpriced("the response body names no model", catalog.GetProvider(provider)?.Id) with
            {
                Currency = TargetCurrency(context),
            });
        }

        return new PricedResponse(extraction, Calculate(provider, extraction.Model, extraction.Usage!, timestamp, context));
    }

    public CostBreakdown Calculate(string provider, string model, Usage usage, DateTimeOffset timestamp) =>
        Calculate(provider, model, usage, timestamp, default);

    /// <summary>
    /// <see cref="Calculate(string, string, Usage, DateTimeOffset)"/>'s total through the catalog's allocation-free
    /// computation for a catalog model in USD (a negotiated discount multiplies it, as the breakdown's total is);
    /// otherwise from the breakdown.
    /// </summary>
    public CallCost CalculateTotal(string provider, string model, Usage usage, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var lookup = _catalog().Resolve(provider, model);
        if (lookup.Found && _options.Currency == "USD")
        {
            var price = lookup.Model!.Prices.At(timestamp);
            if (price.InvalidReason is null)
            {
                var cost = price.ComputeCost(usage);
                if (cost.Priced)
                {
                    if (_options.NegotiatedDiscounts.Count == 0 || FindNegotiated(lookup.Provider?.Id, lookup.Model.Id) is not { } negotiated)
                    {
                        return cost;
                    }

                    return cost.Times(DiscountFactor(negotiated.Percent));
                }
            }
        }

        var full = Calculate(provider, model, usage, timestamp);
        return new CallCost(full.Priced, full.InputCost, full.OutputCost, full.TotalCost);
    }

    /// <summary>Like <see cref="Calculate(string, string, Usage, DateTimeOffset)"/> with discount facts and a currency.</summary>
    public CostBreakdown Calculate(string provider, string model, Usage usage, DateTimeOffset timestamp, CostContext context)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(usage);

        var lookup = _catalog().Resolve(provider, model);
        ModelPrice price;
        string source;
        string? providerId = lookup.Provider?.Id;
        string? modelId;
        if (lookup.Found)
        {
            price = lookup.Model!.Prices.At(timestamp);
            source = lookup.Model.Source;
            modelId = lookup.Model.Id;
        }
        else
        {
            var fallback = FindFallback(providerId ?? provider);
            if (fallback is null)
            {
                return CostBreakdown.Unpriced(lookup.Reason!, providerId) with { Currency = TargetCurrency(context) };
            }

            price = fallback;
            source = FallbackSource;
            modelId = null;
        }

        if (!price.TryComputeBreakdown(usage, out var units, out var cost, out var error))
        {
            return CostBreakdown.Unpriced($"{error} (model {modelId ?? model})", providerId) with
            {
                ModelId = modelId,
                PriceSource = source,
                Currency = TargetCurrency(context),
            };
        }

        var adjustments = new List<CostAdjustment>();
        var factor = 1m;
        var negotiated = FindNegotiated(providerId, modelId);
        if (negotiated is not null)
        {
            var f = DiscountFactor(negotiated.Percent);
            factor *= f;
            adjustments.Add(new CostAdjustment("negotiated", $"negotiated discount {negotiated.Percent}% ({negotiated.Provider}{(negotiated.Model is null ? string.Empty : "/" + negotiated.Model)})", f));
        }

        if (context.Batch)
        {
            var batch = _options.BatchDiscounts.FirstOrDefault(b => string.Equals(b.Provider, providerId, StringComparison.OrdinalIgnoreCase));
            if (batch is not null)
            {
                var f = DiscountFactor(batch.Percent);
                factor *= f;
                adjustments.Add(new CostAdjustment("batch", $"batch discount {batch.Percent}% ({batch.Provider})", f));
            }
        }

        if (context.PeriodSpend is { } spend)
        {
            var tier = _options.VolumeDiscounts.Where(t => t.MinimumPeriodSpend <= spend).MaxBy(t => t.MinimumPeriodSpend);
            if (tier is not null)
            {
                var f = DiscountFactor(tier.Percent);
                factor *= f;
                adjustments.Add(new CostAdjustment("volume", $"volume discount {tier.Percent}% (period spend {spend} ≥ {tier.MinimumPeriodSpend})", f));
            }
        }

        var currency = TargetCurrency(context);
        if (currency != "USD")
        {
            var rate = _rates.FirstOrDefault(r => r.Currency == currency && r.EffectiveFrom <= timestamp);
            if (rate is null)
            {
                return CostBreakdown.Unpriced($"no USD→{currency} exchange rate in force at {timestamp:O}; add one to Pricing.ExchangeRates", providerId) with
                {
                    ModelId = modelId,
                    PriceSource = source,
                    Currency = currency,
                };
            }

            factor *= rate.Rate;
            adjustments.Add(new CostAdjustment("exchange", $"USD→{currency} {rate.Rate} from {rate.EffectiveFrom:yyyy-MM-dd}", rate.Rate));
        }

        if (factor != 1m)
        {
            units = [.. units.Select(u => u with { Rate = u.Rate * factor, Cost = u.Cost * factor })];
            cost = cost.Times(factor);
        }

        return new CostBreakdown
        {
            Priced = true,
            Currency = currency,
            InputCost = cost.InputCost,
            OutputCost = cost.OutputCost,
            TotalCost = cost.TotalCost,
            Units = units,
            ProviderId = providerId,
            ModelId = modelId,
            PriceSource = source,
            Adjustments = adjustments,
        };
    }

    private string TargetCurrency(CostContext context) => context.Currency?.ToUpperInvariant() ?? _options.Currency;

    private ModelPrice? FindFallback(string providerId)
    {
        foreach (var (rule, price) in _fallbacks)
        {
            if (string.Equals(rule.Provider, providerId, StringComparison.OrdinalIgnoreCase))
            {
                return price;
            }
        }

        foreach (var (rule, price) in _fallbacks)
        {
            if (rule.Provider == "*")
            {
                return price;
            }
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="other"/> prices <paramref name="provider"/>/<paramref name="model"/> as this engine does:
    /// the same catalog entry from the same source, and the same negotiated discount. What-if uses it to reprice only
    /// what a scenario's price or discount files change; a false answer only costs a repricing, never a wrong figure.
    /// </summary>
    public bool PricesAlike(CostEngine other, string provider, string model)
    {
        ArgumentNullException.ThrowIfNull(other);
        var mine = Resolve(provider, model);
        var theirs = other.Resolve(provider, model);
        if (mine.Found != theirs.Found || !string.Equals(mine.PriceSource, theirs.PriceSource, StringComparison.Ordinal)
            || !string.Equals(mine.Model?.Id, theirs.Model?.Id, StringComparison.Ordinal)
            || !string.Equals(mine.ModelProviderId, theirs.ModelProviderId, StringComparison.Ordinal)
            || !string.Equals(_options.Currency, other._options.Currency, StringComparison.Ordinal))
        {
            return false;
        }

        return mine.Found
            ? FindNegotiated(mine.Provider?.Id, mine.Model!.Id)?.Percent == other.FindNegotiated(theirs.Provider?.Id, theirs.Model!.Id)?.Percent
            : _options.FallbackPrices.SequenceEqual(other._options.FallbackPrices);
    }

    /// <inheritdoc />
    public bool PricesSumsExactly(string provider, string model, long largestInputTokens, bool otherUnits)
    {
        if (SumsPrices(provider, model) is not { } prices)
        {
            return false;
        }

        // A start date changes the price at a UTC midnight; a time-of-day window changes it within a day.
        return prices.Schedule.Entries.All(e => (e.Constraint is null or StartDateConstraint) && SumsPriceExactly(e.Prices, prices.Factor, largestInputTokens, otherUnits));
    }

    /// <inheritdoc />
    public bool PricesNoCall(string provider, string model)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(model);
        var lookup = _catalog().Resolve(provider, model);
        return !lookup.Found && FindFallback(lookup.Provider?.Id ?? provider) is null;
    }

    /// <inheritdoc />
    public CallCost CalculateSumsTotal(string provider, string model, Usage summed, DateTimeOffset day)
    {
        ArgumentNullException.ThrowIfNull(summed);
        if (SumsPrices(provider, model) is not { } prices)
        {
            return default;
        }

        var cost = prices.Schedule.At(day).ComputeCost(summed, tierInputTokens: 0);
        return prices.Factor == 1m || !cost.Priced ? cost : cost.Times(prices.Factor);
    }

    /// <summary>The prices a model can have (the catalog's schedule, or the fallback price) and the negotiated discount's factor; null when unpriced or not in USD.</summary>
    private (PriceSchedule Schedule, decimal Factor)? SumsPrices(string provider, string model)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(model);
        if (_options.Currency != "USD")
        {
            return null;
        }

        var lookup = _catalog().Resolve(provider, model);
        PriceSchedule schedule;
        if (lookup.Found)
        {
            schedule = lookup.Model!.Prices;
        }
        else if (FindFallback(lookup.Provider?.Id ?? provider) is { } fallback)
        {
            schedule = new PriceSchedule(fallback);
        }
        else
        {
            return null;
        }

        var negotiated = FindNegotiated(lookup.Provider?.Id, lookup.Model?.Id);
        return (schedule, negotiated is null ? 1m : DiscountFactor(negotiated.Percent));
    }

    /// <summary>What a price is multiplied by under a discount of <paramref name="percent"/> %.</summary>
    private static decimal DiscountFactor(decimal percent) => 1m - (percent / 100m);

    private static bool SumsPriceExactly(ModelPrice price, decimal factor, long largestInputTokens, bool otherUnits)
    {
        if (price.InvalidReason is not null)
        {
            return false;
        }

        foreach (var (unit, rate) in price.Rates)
        {
            // Without other units, every call's count of them is 0 and of requests 1: the summed usage says so exactly.
            if (otherUnits && unit is not (UsageUnit.InputTokens or UsageUnit.CacheReadTokens or UsageUnit.CacheWriteTokens or UsageUnit.OutputTokens or UsageUnit.OutputReasoningTokens))
            {
                return false;
            }

            if (rate.Tiers.Count > 0 && largestInputTokens > rate.Tiers[0].Start)
            {
                return false;
            }

            var nanosPerCount = rate.Base * factor * Money.NanosPerUnit / rate.Per;
            if (nanosPerCount != decimal.Truncate(nanosPerCount))
            {
                return false;
            }
        }

        return true;
    }

    private NegotiatedDiscount? FindNegotiated(string? providerId, string? modelId)
    {
        if (providerId is null)
        {
            return null;
        }

        var forProvider = _options.NegotiatedDiscounts.Where(d => string.Equals(d.Provider, providerId, StringComparison.OrdinalIgnoreCase)).ToList();
        return forProvider.FirstOrDefault(d => d.Model is not null && string.Equals(d.Model, modelId, StringComparison.OrdinalIgnoreCase))
            ?? forProvider.FirstOrDefault(d => d.Model is null);
    }
}
