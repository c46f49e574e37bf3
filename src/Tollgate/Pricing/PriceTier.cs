namespace Tollgate.Pricing;

/// <summary>One tier of a <see cref="PriceRate"/>: <paramref name="Price"/> applies when the call's total input tokens exceed <paramref name="Start"/>.</summary>
public readonly record struct PriceTier(long Start, decimal Price);
