namespace Tollgate.Metering;

/// <summary>
/// The one rule for how many output tokens a call can bill, used by holds, routing and <c>tollgate tokens estimate</c>
/// alike: the request's own limit, else the model's maximum output, else what its context window leaves after the
/// prompt, else <see cref="UnknownModelMaxOutputTokens"/> — times the number of completions the request asks for
/// (<c>n</c>, <c>best_of</c>, Gemini's <c>candidateCount</c>), because every one of them is billed.
/// </summary>
public static class OutputBound
{
    /// <summary>Output tokens assumed per completion when neither the request nor anything known about the model bounds it.</summary>
    public const int UnknownModelMaxOutputTokens = 16_384;

    /// <summary>The most completions a request may ask for (OpenAI's own limit on <c>n</c>); more is refused, never clamped.</summary>
    public const int MaxChoices = 128;

    /// <summary>Output tokens one completion may bill.</summary>
    public static long PerChoice(long? requested, int? modelMaxOutput, long? contextWindow, long inputTokens)
    {
        if (requested is > 0)
        {
            return requested.Value;
        }

        if (modelMaxOutput is > 0)
        {
            return modelMaxOutput.Value;
        }

        return contextWindow is { } window && window > inputTokens ? window - inputTokens : UnknownModelMaxOutputTokens;
    }

    /// <summary>Output tokens the whole call may bill: <paramref name="perChoice"/> × <paramref name="choices"/> (at least one), never overflowing.</summary>
    public static long Total(long perChoice, int choices)
    {
        var n = Math.Max(1, choices);
        return perChoice > long.MaxValue / n ? long.MaxValue : perChoice * n;
    }
}
