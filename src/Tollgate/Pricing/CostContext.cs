namespace Tollgate.Pricing;

/// <summary>Per-call facts that discounts depend on; <c>default</c> means none apply.</summary>
/// <param name="Batch">The call went through the provider's batch API.</param>
/// <param name="PeriodSpend">The spend (USD, before this call) in the current volume-discount period, supplied by the caller.</param>
/// <param name="Currency">Report in this ISO 4217 currency instead of <see cref="PricingOptions.Currency"/>.</param>
public readonly record struct CostContext(bool Batch = false, decimal? PeriodSpend = null, string? Currency = null);
