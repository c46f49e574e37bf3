namespace Tollgate.Tokens;

/// <summary>A number of tokens, and whether it is an approximation (a provider whose tokenizer is not public).</summary>
/// <param name="Tokens">The count.</param>
/// <param name="IsEstimate">True when the count is not what the provider's own tokenizer would give.</param>
public readonly record struct TokenCount(long Tokens, bool IsEstimate)
{
    public static TokenCount operator +(TokenCount left, TokenCount right) =>
        new(left.Tokens + right.Tokens, left.IsEstimate || right.IsEstimate);

    public static TokenCount Add(TokenCount left, TokenCount right) => left + right;

    public static TokenCount Exact(long tokens) => new(tokens, false);

    public static TokenCount Estimated(long tokens) => new(tokens, true);
}
