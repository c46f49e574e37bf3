using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Providers.Anthropic;

/// <summary>
/// Maps an Anthropic Messages <c>usage</c> onto <see cref="Usage"/> as the genai-prices <c>anthropic</c>
/// extractor does: input = input_tokens + cache_creation_input_tokens + cache_read_input_tokens (Anthropic
/// reports them apart; genai-prices counts cache as part of input), cache writes split by TTL
/// (<c>ephemeral_5m</c>/<c>ephemeral_1h</c>), thinking tokens as the reasoning part of output.
/// </summary>
public static class AnthropicUsage
{
    public static Usage? Read(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var result = new Usage();
        var ok = UsageJson.AddRequired(result, UsageUnit.InputTokens, usage, "input_tokens") &&
                 UsageJson.AddOptional(result, UsageUnit.InputTokens, usage, "cache_creation_input_tokens") &&
                 UsageJson.AddOptional(result, UsageUnit.InputTokens, usage, "cache_read_input_tokens") &&
                 UsageJson.AddOptional(result, UsageUnit.CacheWriteTokens, usage, "cache_creation_input_tokens") &&
                 UsageJson.AddOptional(result, UsageUnit.CacheWrite5mTokens, usage, "cache_creation", "ephemeral_5m_input_tokens") &&
                 UsageJson.AddOptional(result, UsageUnit.CacheWrite1hTokens, usage, "cache_creation", "ephemeral_1h_input_tokens") &&
                 UsageJson.AddOptional(result, UsageUnit.CacheReadTokens, usage, "cache_read_input_tokens") &&
                 UsageJson.AddOptional(result, UsageUnit.WebSearches, usage, "server_tool_use", "web_search_requests") &&
                 UsageJson.AddOptional(result, UsageUnit.OutputReasoningTokens, usage, "output_tokens_details", "thinking_tokens") &&
                 UsageJson.AddRequired(result, UsageUnit.OutputTokens, usage, "output_tokens");
        return ok ? result : null;
    }
}
