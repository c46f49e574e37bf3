namespace Tollgate.Tokens;

/// <summary>
/// How a model's tokens are counted: with its own encoding (OpenAI models, exact), or for a provider whose tokenizer
/// is not public, with <c>o200k_base</c> times a documented factor, rounded up — always flagged as an estimate.
/// </summary>
public sealed class ModelTokenizer
{
    internal ModelTokenizer(string model, string family, TiktokenEncoding encoding, decimal factor, bool isEstimate)
    {
        Model = model;
        Family = family;
        Encoding = encoding;
        Factor = factor;
        IsEstimate = isEstimate;
    }

    /// <summary>The model name asked for.</summary>
    public string Model { get; }

    /// <summary>The rule that matched (e.g. <c>gpt-4o</c>, <c>anthropic</c>).</summary>
    public string Family { get; }

    /// <summary>The encoding counted with.</summary>
    public TiktokenEncoding Encoding { get; }

    /// <summary>Multiplier applied to the encoding's count (1 for exact models).</summary>
    public decimal Factor { get; }

    /// <summary>True when counts are approximations of the provider's tokenizer.</summary>
    public bool IsEstimate { get; }

    /// <summary>The tokens of <paramref name="text"/> for this model.</summary>
    public TokenCount Count(ReadOnlySpan<char> text) => Scale(Encoding.CountTokens(text));

    /// <summary>The tokens of UTF-8 <paramref name="utf8"/> for this model (no transcoding to UTF-16 needed).</summary>
    public TokenCount CountUtf8(ReadOnlySpan<byte> utf8) => Scale(Encoding.CountTokens(utf8));

    /// <summary>Applies <see cref="Factor"/> (rounded up) to a count made with <see cref="Encoding"/>.</summary>
    public TokenCount Scale(long encodingTokens) =>
        IsEstimate ? new TokenCount((long)decimal.Ceiling(encodingTokens * Factor), true) : new TokenCount(encodingTokens, false);

    public override string ToString() => IsEstimate ? $"{Model}: {Encoding.Name} x {Factor} (estimate)" : $"{Model}: {Encoding.Name}";
}
