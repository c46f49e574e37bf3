using System.Text.Json;

namespace Tollgate.Pricing;

/// <summary>A path into a response body: object keys, and array steps that pick the first item whose field matches.</summary>
internal sealed class ExtractPath
{
    private ExtractPath(Step[] steps) => Steps = steps;

    public Step[] Steps { get; }

    public static ExtractPath Of(string key) => new([new Step(key, null, null)]);

    public static ExtractPath Parse(JsonElement element, string where)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            return new ExtractPath([new Step(element.GetString()!, null, null)]);
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            throw new FormatException($"{where}: a path must be a string or a non-empty list.");
        }

        var steps = new List<Step>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                steps.Add(new Step(item.GetString()!, null, null));
            }
            else if (item.ValueKind == JsonValueKind.Object
                     && item.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "array-match"
                     && item.TryGetProperty("field", out var field) && field.ValueKind == JsonValueKind.String
                     && item.TryGetProperty("match", out var match))
            {
                steps.Add(new Step(null, field.GetString(), MatchClause.Parse(match, where)));
            }
            else
            {
                throw new FormatException($"{where}: a path step must be a key or an array-match.");
            }
        }

        return new ExtractPath([.. steps]);
    }

    public override string ToString() => string.Join('.', Steps.Select(s => s.ToString()));

    /// <summary>A key step (<see cref="Key"/>) or an array-match step (<see cref="Field"/> + <see cref="Match"/>).</summary>
    internal readonly record struct Step(string? Key, string? Field, MatchClause? Match)
    {
        public override string ToString() => Key ?? $"[{Field} matches]";
    }
}

/// <summary>One extractor mapping: the value at <see cref="Path"/> (under the root) is added to <see cref="Dest"/>.</summary>
internal sealed record ExtractorMapping(ExtractPath Path, Costing.UsageUnit Dest, string DestKey, bool Required);

/// <summary>A provider's usage extractor for one API flavour.</summary>
internal sealed record ExtractorSpec(string ApiFlavor, ExtractPath Root, ExtractPath ModelPath, IReadOnlyList<ExtractorMapping> Mappings)
{
    public static ExtractorSpec Parse(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where}: an extractor must be an object.");
        }

        var flavor = element.TryGetProperty("api_flavor", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "default";
        where = $"{where}({flavor})";
        if (!element.TryGetProperty("root", out var root))
        {
            throw new FormatException($"{where}: 'root' is required.");
        }

        var modelPath = element.TryGetProperty("model_path", out var mp) ? ExtractPath.Parse(mp, $"{where}.model_path") : ExtractPath.Of("model");
        if (!element.TryGetProperty("mappings", out var mappingsElement) || mappingsElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{where}: 'mappings' must be a list.");
        }

        var mappings = new List<ExtractorMapping>();
        foreach (var m in mappingsElement.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("path", out var path) || !m.TryGetProperty("dest", out var dest)
                || dest.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"{where}: each mapping needs 'path' and 'dest'.");
            }

            var destKey = dest.GetString()!;
            if (!Costing.UsageUnitInfo.TryFromKey(destKey, out var unit))
            {
                throw new FormatException($"{where}: unknown usage key '{destKey}' in a mapping.");
            }

            var required = !m.TryGetProperty("required", out var r) || r.ValueKind != JsonValueKind.False;
            mappings.Add(new ExtractorMapping(ExtractPath.Parse(path, $"{where}.path"), unit, destKey, required));
        }

        return new ExtractorSpec(flavor, ExtractPath.Parse(root, $"{where}.root"), modelPath, mappings);
    }
}
