namespace Tollgate.Extensions.AI;

/// <summary>What the calls made inside a <see cref="TollgateScope"/> (and its nested scopes) used and cost so far.</summary>
/// <param name="Calls">Calls settled (chat and embedding), refused calls excluded.</param>
/// <param name="InputTokens">Input tokens, cached included.</param>
/// <param name="OutputTokens">Output tokens, reasoning included.</param>
/// <param name="Cost">Total cost of the priced calls.</param>
/// <param name="EstimatedCalls">Calls billed from counted tokens because the provider reported no usage.</param>
/// <param name="UnpricedCalls">Calls whose model has no price: their cost is unknown, not zero.</param>
public readonly record struct TollgateScopeTotals(
    long Calls,
    long InputTokens,
    long OutputTokens,
    decimal Cost,
    long EstimatedCalls,
    long UnpricedCalls);
