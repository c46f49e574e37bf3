using System.Text.Json;

namespace Tollgate.Pricing;

/// <summary>A model of a <see cref="CatalogProvider"/>: its id, match rules, context window and price schedule.</summary>
public sealed class CatalogModel
{
    public CatalogModel(string id, MatchClause match, PriceSchedule prices, string source)
    {
        Id = id;
        Match = match;
        Prices = prices;
        Source = source;
    }

    /// <summary>Catalog id (e.g. <c>gpt-4o</c>).</summary>
    public string Id { get; }

    public string? Name { get; init; }

    /// <summary>Rules deciding which model references this model answers to.</summary>
    public MatchClause Match { get; }

    /// <summary>Maximum input tokens, when the catalog knows it.</summary>
    public long? ContextWindow { get; init; }

    public bool Deprecated { get; init; }

    public PriceSchedule Prices { get; }

    /// <summary>Where this model's prices came from: <c>builtin</c>, <c>override:PATH</c>, <c>remote:URL</c>, <c>cache:PATH</c>, <c>fallback</c>.</summary>
    public string Source { get; }

    /// <summary>True when <paramref name="modelReference"/> (lower-cased by the caller) matches this model.</summary>
    public bool IsMatch(string modelReference) => Match.IsMatch(modelReference);

    /// <summary>A copy with another source label (used when a catalog is loaded from a refreshed copy).</summary>
    public CatalogModel WithSource(string source) =>
        new(Id, Match, Prices, source) { Name = Name, ContextWindow = ContextWindow, Deprecated = Deprecated };

    public override string ToString() => Id;

    internal static CatalogModel Parse(JsonElement element, string where, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where}: a model must be an object.");
        }

        var id = RequireString(element, "id", where);
        where = $"{where}({id})";
        if (!element.TryGetProperty("match", out var match))
        {
            throw new FormatException($"{where}: 'match' is required.");
        }

        if (!element.TryGetProperty("prices", out var prices))
        {
            throw new FormatException($"{where}: 'prices' is required.");
        }

        long? contextWindow = null;
        if (element.TryGetProperty("context_window", out var cw) && cw.ValueKind == JsonValueKind.Number && cw.TryGetInt64(out var cwValue))
        {
            contextWindow = cwValue;
        }

        return new CatalogModel(id, MatchClause.Parse(match, $"{where}.match"), PriceSchedule.Parse(prices, $"{where}.prices"), source)
        {
            Name = element.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null,
            ContextWindow = contextWindow,
            Deprecated = element.TryGetProperty("deprecated", out var dep) && dep.ValueKind == JsonValueKind.True,
        };
    }

    internal static string RequireString(JsonElement element, string property, string where) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!
            : throw new FormatException($"{where}: '{property}' must be a non-empty string.");
}
