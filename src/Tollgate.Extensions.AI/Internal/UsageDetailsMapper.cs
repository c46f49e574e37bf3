using Microsoft.Extensions.AI;
using Tollgate.Costing;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>
/// Maps Microsoft.Extensions.AI's <see cref="UsageDetails"/> onto Tollgate's one usage breakdown, once.
/// Both use the same containment: <see cref="UsageDetails.InputTokenCount"/> is all input and the cached
/// count is a part of it; <see cref="UsageDetails.OutputTokenCount"/> is all output and reasoning is a part
/// of it. So each field maps to exactly one unit and nothing is added twice.
/// </summary>
internal static class UsageDetailsMapper
{
    /// <summary>The Tollgate usage for <paramref name="details"/>; empty when the provider reported nothing.</summary>
    public static Usage ToUsage(UsageDetails? details)
    {
        var usage = new Usage();
        if (details is null)
        {
            return usage;
        }

        SetIfReported(usage, UsageUnit.InputTokens, details.InputTokenCount);
        SetIfReported(usage, UsageUnit.OutputTokens, details.OutputTokenCount);
        SetIfReported(usage, UsageUnit.CacheReadTokens, details.CachedInputTokenCount);
        SetIfReported(usage, UsageUnit.OutputReasoningTokens, details.ReasoningTokenCount);
        // The audio counts are marked experimental (MEAI001) in Abstractions 10.11; they are plain counts and
        // audio is priced differently from text, so dropping them would misprice audio calls.
#pragma warning disable MEAI001
        SetIfReported(usage, UsageUnit.InputAudioTokens, details.InputAudioTokenCount);
        SetIfReported(usage, UsageUnit.OutputAudioTokens, details.OutputAudioTokenCount);
#pragma warning restore MEAI001

        // Providers that report only a total (rare) would otherwise be recorded as free: treat the
        // unattributed rest as input, which is the cheaper direction, and let the caller flag it.
        if (details.InputTokenCount is null && details.OutputTokenCount is null && details.TotalTokenCount is { } total)
        {
            SetIfReported(usage, UsageUnit.InputTokens, total);
        }

        return usage;
    }

    /// <summary>True when a count is negative: a provider bug, never billed as 0 (see <c>UsageCheck</c>).</summary>
    public static bool IsMalformed(UsageDetails? details) =>
        details is not null && (details.InputTokenCount < 0 || details.OutputTokenCount < 0 || details.CachedInputTokenCount < 0
            || details.ReasoningTokenCount < 0 || details.TotalTokenCount < 0);

    /// <summary>True when <paramref name="details"/> carries at least the input or output count.</summary>
    public static bool HasTokenCounts(UsageDetails? details) =>
        details is not null && (details.InputTokenCount is not null || details.OutputTokenCount is not null);

    private static void SetIfReported(Usage usage, UsageUnit unit, long? count)
    {
        if (count is { } value)
        {
            // A negative count is a provider bug (IsMalformed: the call is billed from Tollgate's own count); clamped here so the record is still written.
            usage.Set(unit, Math.Max(0, value));
        }
    }
}
