using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Budgets;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Changes a request body by splicing bytes (new model name, <c>stream_options.include_usage: true</c>, and what a budget's
/// adaptation changed: max output, temperature, tools removed) instead of re-serialising it, so everything else the
/// client sent reaches the provider byte for byte.
/// </summary>
internal static class BodyPatcher
{
    private static readonly byte[] IncludeUsageValue = "{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] IncludeUsageProperty = ",\"stream_options\":{\"include_usage\":true}"u8.ToArray();

    /// <summary>True when the body must change before it is forwarded.</summary>
    public static bool NeedsPatch(in RequestInfo info, string? upstreamModel, bool ensureIncludeUsage, BudgetAdaptation? adaptation = null) =>
        (upstreamModel is not null && !string.Equals(upstreamModel, info.Model, StringComparison.Ordinal)) ||
        (ensureIncludeUsage && info.Stream && !info.IncludeUsage) ||
        (adaptation is not null && Changes(info, adaptation));

    /// <summary>
    /// A new body with the changes; the original is untouched. <paramref name="outputLimitName"/> is the field inserted for
    /// an adapted max output when the request set none.
    /// </summary>
    public static PooledBuffer Patch(ReadOnlySpan<byte> body, in RequestInfo info, string? upstreamModel, bool ensureIncludeUsage, BudgetAdaptation? adaptation = null, string outputLimitName = "max_tokens")
    {
        var output = new PooledBuffer(body.Length + 96);
        var edits = new List<(int Start, int Length, byte[] Replacement)>(4);
        if (upstreamModel is not null && !string.Equals(upstreamModel, info.Model, StringComparison.Ordinal))
        {
            edits.Add((info.ModelStart, info.ModelLength, JsonString(upstreamModel)));
        }

        if (ensureIncludeUsage && info.Stream && !info.IncludeUsage)
        {
            edits.Add(info.StreamOptionsStart >= 0
                ? (info.StreamOptionsStart, info.StreamOptionsLength, IncludeUsageValue)
                : (info.ObjectEnd, 0, IncludeUsageProperty));
        }

        if (adaptation is not null)
        {
            AddAdaptation(body, info, adaptation, outputLimitName, edits);
        }

        edits.Sort((a, b) => a.Start.CompareTo(b.Start));
        var position = 0;
        foreach (var (start, length, replacement) in edits)
        {
            if (start < position)
            {
                // Two removals share a separating comma: the later one starts inside the earlier one.
                var end = start + length;
                if (end > position)
                {
                    position = end;
                }

                continue;
            }

            output.Write(body[position..start]);
            output.Write(replacement);
            position = start + length;
        }

        output.Write(body[position..]);
        return output;
    }

    /// <summary>The <c>x-tollgate-adapted</c> header value: what an adaptation changed, e.g. <c>max_tokens=989, model=gpt-4o-mini</c>.</summary>
    public static string Describe(in RequestInfo info, BudgetAdaptation adaptation, string outputLimitName)
    {
        var parts = new List<string>(4);
        foreach (var step in adaptation.Applied)
        {
            switch (step)
            {
                case AdaptiveStep.LowerMaxTokens:
                    parts.Add($"{OutputLimitField(info, outputLimitName)}={adaptation.MaxTokens.ToString(CultureInfo.InvariantCulture)}");
                    break;
                case AdaptiveStep.FallbackModel:
                    parts.Add($"model={adaptation.Model}");
                    break;
                case AdaptiveStep.DropTools when adaptation.DropTools:
                    parts.Add("tools=dropped");
                    break;
                case AdaptiveStep.LowerTemperature when adaptation.Temperature is { } t:
                    parts.Add($"temperature={t.ToString(CultureInfo.InvariantCulture)}");
                    break;
            }
        }

        return string.Join(", ", parts);
    }

    private static string OutputLimitField(in RequestInfo info, string fallback) =>
        info.MaxCompletionTokensValue.Length > 0 ? "max_completion_tokens"
        : info.MaxTokensValue.Length > 0 ? "max_tokens"
        : info.MaxOutputTokensValue.Length > 0 ? "max_output_tokens"
        : fallback;

    private static bool Changes(in RequestInfo info, BudgetAdaptation adaptation) =>
        adaptation.MaxTokens != info.MaxOutputTokens || (adaptation.DropTools && info.ToolMembers.Count > 0) ||
        (adaptation.Temperature is { } t && t != info.Temperature);

    private static void AddAdaptation(ReadOnlySpan<byte> body, in RequestInfo info, BudgetAdaptation adaptation, string outputLimitName, List<(int, int, byte[])> edits)
    {
        if (adaptation.MaxTokens != info.MaxOutputTokens)
        {
            // Every limit the request set gets the adapted value (the provider honours whichever it reads); none set: one is added.
            var value = Encoding.ASCII.GetBytes(adaptation.MaxTokens.ToString(CultureInfo.InvariantCulture));
            var any = false;
            foreach (var (start, length) in new[] { info.MaxTokensValue, info.MaxCompletionTokensValue, info.MaxOutputTokensValue })
            {
                if (length > 0)
                {
                    edits.Add((start, length, value));
                    any = true;
                }
            }

            if (!any)
            {
                edits.Add((info.ObjectEnd, 0, Encoding.UTF8.GetBytes($",\"{outputLimitName}\":{adaptation.MaxTokens.ToString(CultureInfo.InvariantCulture)}")));
            }
        }

        if (adaptation.Temperature is { } temperature && temperature != info.Temperature)
        {
            var text = temperature.ToString("R", CultureInfo.InvariantCulture);
            edits.Add(info.TemperatureValue.Length > 0
                ? (info.TemperatureValue.Start, info.TemperatureValue.Length, Encoding.ASCII.GetBytes(text))
                : (info.ObjectEnd, 0, Encoding.ASCII.GetBytes(",\"temperature\":" + text)));
        }

        if (adaptation.DropTools && info.ToolMembers.Count > 0)
        {
            // Neighbouring members are removed as one block, so exactly one separating comma goes with each block.
            var members = new List<(int Start, int End)>(info.ToolMembers.Count);
            for (var i = 0; i < info.ToolMembers.Count; i++)
            {
                members.Add(info.ToolMembers[i]);
            }

            members.Sort((a, b) => a.Start.CompareTo(b.Start));
            var block = members[0];
            for (var i = 1; i <= members.Count; i++)
            {
                if (i < members.Count && OnlySeparator(body[block.End..members[i].Start]))
                {
                    block = (block.Start, members[i].End);
                    continue;
                }

                var (start, end) = Removal(body, block.Start, block.End);
                edits.Add((start, end - start, []));
                if (i < members.Count)
                {
                    block = members[i];
                }
            }
        }
    }

    /// <summary>The bytes to remove for one member: it and the comma after it, or (the last member) the comma before it.</summary>
    private static (int Start, int End) Removal(ReadOnlySpan<byte> body, int start, int end)
    {
        var after = end;
        while (after < body.Length && IsWhitespace(body[after]))
        {
            after++;
        }

        if (after < body.Length && body[after] == (byte)',')
        {
            return (start, after + 1);
        }

        var before = start - 1;
        while (before >= 0 && IsWhitespace(body[before]))
        {
            before--;
        }

        return before >= 0 && body[before] == (byte)',' ? (before, end) : (start, end);
    }

    private static bool OnlySeparator(ReadOnlySpan<byte> between)
    {
        var commas = 0;
        foreach (var b in between)
        {
            if (b == (byte)',')
            {
                commas++;
            }
            else if (!IsWhitespace(b))
            {
                return false;
            }
        }

        return commas <= 1;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static byte[] JsonString(string value)
    {
        var encoded = JsonEncodedText.Encode(value);
        var utf8 = encoded.EncodedUtf8Bytes;
        var result = new byte[utf8.Length + 2];
        result[0] = (byte)'"';
        utf8.CopyTo(result.AsSpan(1));
        result[^1] = (byte)'"';
        return result;
    }

    /// <summary>For tests and messages.</summary>
    internal static string ToText(PooledBuffer buffer) => Encoding.UTF8.GetString(buffer.Span);
}
