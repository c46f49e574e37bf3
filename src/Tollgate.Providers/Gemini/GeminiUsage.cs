using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Providers.Gemini;

/// <summary>
/// Maps Gemini <c>usageMetadata</c> onto <see cref="Usage"/> as the genai-prices <c>google</c> extractor does:
/// input = promptTokenCount (+ toolUsePromptTokenCount), cache read = cachedContentTokenCount, output =
/// candidatesTokenCount + thoughtsTokenCount (thoughts are its reasoning part), and the per-modality details.
/// </summary>
public static class GeminiUsage
{
    private static readonly (string Modality, UsageUnit Cache, UsageUnit Input, UsageUnit Output, UsageUnit Tool)[] Modalities =
    [
        ("TEXT", UsageUnit.CacheTextReadTokens, UsageUnit.InputTextTokens, UsageUnit.OutputTextTokens, UsageUnit.InputTextToolTokens),
        ("AUDIO", UsageUnit.CacheAudioReadTokens, UsageUnit.InputAudioTokens, UsageUnit.OutputAudioTokens, UsageUnit.InputAudioToolTokens),
        ("IMAGE", UsageUnit.CacheImageReadTokens, UsageUnit.InputImageTokens, UsageUnit.OutputImageTokens, UsageUnit.InputImageToolTokens),
        ("DOCUMENT", UsageUnit.CacheImageReadTokens, UsageUnit.InputImageTokens, UsageUnit.OutputImageTokens, UsageUnit.InputImageToolTokens),
        ("VIDEO", UsageUnit.CacheVideoReadTokens, UsageUnit.InputVideoTokens, UsageUnit.OutputVideoTokens, UsageUnit.InputVideoToolTokens),
    ];

    public static Usage? Read(JsonElement metadata)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var usage = new Usage();
        var ok = UsageJson.AddOptional(usage, UsageUnit.InputTokens, metadata, "promptTokenCount") &&
                 UsageJson.AddOptional(usage, UsageUnit.CacheReadTokens, metadata, "cachedContentTokenCount");
        foreach (var (modality, cache, _, _, _) in Modalities)
        {
            ok = ok && AddModality(usage, cache, metadata, "cacheTokensDetails", modality);
        }

        foreach (var (modality, _, input, _, _) in Modalities)
        {
            ok = ok && AddModality(usage, input, metadata, "promptTokensDetails", modality);
        }

        foreach (var (modality, _, _, output, _) in Modalities)
        {
            ok = ok && AddModality(usage, output, metadata, "candidatesTokensDetails", modality);
        }

        ok = ok &&
             UsageJson.AddOptional(usage, UsageUnit.OutputTokens, metadata, "candidatesTokenCount") &&
             UsageJson.AddOptional(usage, UsageUnit.OutputTokens, metadata, "thoughtsTokenCount") &&
             UsageJson.AddOptional(usage, UsageUnit.OutputReasoningTokens, metadata, "thoughtsTokenCount") &&
             UsageJson.AddOptional(usage, UsageUnit.InputTokens, metadata, "toolUsePromptTokenCount") &&
             UsageJson.AddOptional(usage, UsageUnit.InputToolTokens, metadata, "toolUsePromptTokenCount");
        foreach (var (modality, _, input, _, tool) in Modalities)
        {
            ok = ok && AddModality(usage, input, metadata, "toolUsePromptTokensDetails", modality) &&
                 AddModality(usage, tool, metadata, "toolUsePromptTokensDetails", modality);
        }

        // genai-prices: when every mapping was skipped, the extraction fails.
        return ok && !usage.IsEmpty ? usage : null;
    }

    /// <summary>The first item of <paramref name="array"/> whose <c>modality</c> equals <paramref name="modality"/>.</summary>
    private static bool AddModality(Usage usage, UsageUnit unit, JsonElement metadata, string array, string modality)
    {
        if (!metadata.TryGetProperty(array, out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return true;
        }

        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("modality", out var m) && m.ValueKind == JsonValueKind.String &&
                string.Equals(m.GetString(), modality, StringComparison.OrdinalIgnoreCase))
            {
                return UsageJson.AddOptional(usage, unit, item, "tokenCount");
            }
        }

        return true;
    }
}
