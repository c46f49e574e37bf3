using System.Diagnostics.CodeAnalysis;

namespace Tollgate.Tokens;

/// <summary>
/// Model name → tokenizer. OpenAI models map to their exact encoding by family prefix: the family name is followed
/// by the end of the name, <c>-</c> (dated versions and variants such as <c>gpt-4o-mini-2024-07-18</c>) or, for
/// <c>gpt-5</c>, a point release (<c>gpt-5.1</c>); never by loose substring (<c>gpt-4o</c> does not match
/// <c>gpt-4omega</c>). A leading <c>openai/</c> or <c>azure/</c> is ignored. Other providers, whose tokenizers are
/// not public, get <c>o200k_base</c> × a factor, flagged as an estimate (see <see cref="EstimateFactors"/>).
/// </summary>
public static class TokenizerRegistry
{
    // Order matters: the first rule whose family matches wins (gpt-4o before gpt-4).
    private static readonly (string Family, string Encoding)[] s_openAi =
    [
        ("gpt-4o", "o200k_base"),
        ("chatgpt-4o", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4.5", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3", "o200k_base"),
        ("o4", "o200k_base"),
        ("codex", "o200k_base"),
        ("gpt-realtime", "o200k_base"),
        ("gpt-audio", "o200k_base"),
        ("gpt-image", "o200k_base"),
        ("gpt-oss", "o200k_base"),
        ("computer-use", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-3-large", "cl100k_base"),
        ("text-embedding-ada-002", "cl100k_base"),
        ("davinci-002", "cl100k_base"),
        ("babbage-002", "cl100k_base"),
        ("text-davinci-003", "p50k_base"),
        ("text-davinci-002", "p50k_base"),
        ("code-davinci", "p50k_base"),
        ("code-cushman", "p50k_base"),
        ("text-davinci-001", "r50k_base"),
        ("text-curie-001", "r50k_base"),
        ("text-babbage-001", "r50k_base"),
        ("text-ada-001", "r50k_base"),
        ("davinci", "r50k_base"),
        ("curie", "r50k_base"),
        ("babbage", "r50k_base"),
        ("ada", "r50k_base"),
    ];

    /// <summary>
    /// Families of other providers and the factor applied to the <c>o200k_base</c> count. The factors lean high on
    /// purpose: the count feeds budget holds, where over-reserving is safe and under-reserving is not.
    /// <list type="bullet">
    /// <item><c>claude</c> (Anthropic) 1.30: Claude's tokenizer yields noticeably more tokens than o200k on English and code.</item>
    /// <item><c>gemini</c>, <c>gemma</c> (Google) 1.15: SentencePiece, 256k vocabulary, close to o200k on English.</item>
    /// <item><c>mistral</c>, <c>mixtral</c>, <c>codestral</c>, <c>magistral</c>, <c>ministral</c>, <c>pixtral</c>, <c>devstral</c> (Mistral) 1.20.</item>
    /// <item><c>llama</c>, <c>meta-llama</c> (Meta) 1.15: a 128k tiktoken-style vocabulary grown from cl100k.</item>
    /// <item><c>command</c> (Cohere), <c>deepseek</c>, <c>qwen</c>, <c>grok</c> (xAI), <c>kimi</c>, <c>glm</c> 1.20.</item>
    /// </list>
    /// </summary>
    public static IReadOnlyDictionary<string, decimal> EstimateFactors { get; } = new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        ["claude"] = 1.30m,
        ["anthropic"] = 1.30m,
        ["gemini"] = 1.15m,
        ["gemma"] = 1.15m,
        ["mistral"] = 1.20m,
        ["mixtral"] = 1.20m,
        ["codestral"] = 1.20m,
        ["magistral"] = 1.20m,
        ["ministral"] = 1.20m,
        ["pixtral"] = 1.20m,
        ["devstral"] = 1.20m,
        ["llama"] = 1.15m,
        ["meta-llama"] = 1.15m,
        ["command"] = 1.20m,
        ["deepseek"] = 1.20m,
        ["qwen"] = 1.20m,
        ["grok"] = 1.20m,
        ["kimi"] = 1.20m,
        ["glm"] = 1.20m,
    };

    /// <summary>An exact counter over <paramref name="encoding"/> itself (no model mapping).</summary>
    public static ModelTokenizer ForEncoding(TiktokenEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        return new ModelTokenizer(encoding.Name, encoding.Name, encoding, 1m, isEstimate: false);
    }

    /// <summary>The tokenizer of <paramref name="model"/>; an <see cref="ArgumentException"/> when no rule knows it.</summary>
    public static ModelTokenizer ForModel(string model) =>
        TryForModel(model, out var tokenizer)
            ? tokenizer
            : throw new ArgumentException(
                $"No tokenizer is known for model '{model}'. Use an OpenAI model name (gpt-4o, gpt-4.1-mini, o3, gpt-3.5-turbo, ...), " +
                $"a known family ({string.Join(", ", EstimateFactors.Keys)}) or an encoding ({string.Join(", ", TiktokenEncoding.Names)}).",
                nameof(model));

    public static bool TryForModel(string? model, [NotNullWhen(true)] out ModelTokenizer? tokenizer)
    {
        tokenizer = null;
        if (string.IsNullOrWhiteSpace(model))
        {
            return false;
        }

        var name = ModelNames.Normalize(model, out var provider);

        if (provider is "" or "openai" or "azure" or "azure_openai" or "azure-openai")
        {
            foreach (var (family, encoding) in s_openAi)
            {
                if (ModelNames.Matches(name, family))
                {
                    tokenizer = new ModelTokenizer(model, family, TiktokenEncoding.Get(encoding), 1m, isEstimate: false);
                    return true;
                }
            }
        }

        foreach (var (family, factor) in EstimateFactors)
        {
            if (ModelNames.Matches(name, family) || ModelNames.Matches(provider, family))
            {
                tokenizer = new ModelTokenizer(model, family, TiktokenEncoding.O200kBase, factor, isEstimate: true);
                return true;
            }
        }

        return false;
    }
}
