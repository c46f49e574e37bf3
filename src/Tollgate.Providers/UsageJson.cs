using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Providers;

/// <summary>
/// Reads usage counts with the genai-prices extraction rules: several fields may add onto one unit; a
/// missing, null or non-numeric optional field is skipped; a negative or fractional count fails the extraction.
/// </summary>
internal static class UsageJson
{
    /// <summary>Adds a required count; false when it is missing or invalid.</summary>
    public static bool AddRequired(Usage usage, UsageUnit unit, JsonElement root, params ReadOnlySpan<string> path)
    {
        var state = Find(root, path, out var count);
        if (state != FieldState.Valid)
        {
            return false;
        }

        usage.Add(unit, count);
        return true;
    }

    /// <summary>Adds an optional count when present; false only when it is present and invalid (negative).</summary>
    public static bool AddOptional(Usage usage, UsageUnit unit, JsonElement root, params ReadOnlySpan<string> path)
    {
        switch (Find(root, path, out var count))
        {
            case FieldState.Valid:
                usage.Add(unit, count);
                return true;
            case FieldState.Invalid:
                return false;
            default:
                return true;
        }
    }

    public static long? Get(JsonElement root, params ReadOnlySpan<string> path) =>
        Find(root, path, out var count) == FieldState.Valid ? count : null;

    private static FieldState Find(JsonElement root, ReadOnlySpan<string> path, out long count)
    {
        count = 0;
        var current = root;
        foreach (var step in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out current))
            {
                return FieldState.Missing;
            }
        }

        switch (current.ValueKind)
        {
            case JsonValueKind.Number:
                if (current.TryGetInt64(out count))
                {
                    return count < 0 ? FieldState.Invalid : FieldState.Valid;
                }

                if (current.TryGetDouble(out var d) && (d < 0 || double.IsNaN(d) || double.IsInfinity(d)))
                {
                    return FieldState.Invalid;
                }

                return FieldState.Missing;
            case JsonValueKind.True or JsonValueKind.False:
                return FieldState.Invalid;
            default:
                return FieldState.Missing;
        }
    }

    private enum FieldState
    {
        Missing,
        Valid,
        Invalid,
    }
}
