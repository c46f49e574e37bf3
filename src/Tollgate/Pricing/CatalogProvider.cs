using System.Collections.Frozen;
using System.Text.Json;

namespace Tollgate.Pricing;

/// <summary>A provider of the price catalog: how to recognise it, its models in catalog order, its usage extractors.</summary>
public sealed class CatalogProvider
{
    private readonly CatalogModel[] _models;

    internal CatalogProvider(string id, string name, IEnumerable<CatalogModel> models, IReadOnlyList<ExtractorSpec> extractors)
    {
        Id = id;
        Name = name;
        _models = [.. models];
        ExtractorSpecs = extractors;
        ExtractorsByFlavor = extractors
            .GroupBy(e => e.ApiFlavor, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public string Id { get; }

    public string Name { get; }

    /// <summary>Rules recognising a provider reference that is not exactly <see cref="Id"/> (e.g. "amazon-bedrock" → aws).</summary>
    public MatchClause? ProviderMatch { get; init; }

    /// <summary>Rules recognising this provider from a model reference alone.</summary>
    public MatchClause? ModelMatch { get; init; }

    /// <summary>Providers whose models this one also serves, tried in order when none of its own models match.</summary>
    public IReadOnlyList<string> FallbackModelProviders { get; init; } = [];

    /// <summary>Models in catalog order (the first whose rules match a reference wins).</summary>
    public IReadOnlyList<CatalogModel> Models => _models;

    /// <summary>API flavours this provider has a usage extractor for (chat, responses, embeddings, default, …).</summary>
    public IEnumerable<string> ApiFlavors => ExtractorSpecs.Select(e => e.ApiFlavor);

    internal IReadOnlyList<ExtractorSpec> ExtractorSpecs { get; }

    internal FrozenDictionary<string, ExtractorSpec> ExtractorsByFlavor { get; }

    /// <summary>The first model, in catalog order, whose rules match <paramref name="modelReference"/> (lower-cased first); null when none does.</summary>
    public CatalogModel? FindModel(string modelReference)
    {
        ArgumentNullException.ThrowIfNull(modelReference);
        var reference = modelReference.ToLowerInvariant();
        foreach (var model in _models)
        {
            if (model.IsMatch(reference))
            {
                return model;
            }
        }

        return null;
    }

    public override string ToString() => Id;

    internal CatalogProvider WithModels(IEnumerable<CatalogModel> models) =>
        new(Id, Name, models, ExtractorSpecs)
        {
            ProviderMatch = ProviderMatch,
            ModelMatch = ModelMatch,
            FallbackModelProviders = FallbackModelProviders,
        };

    internal static CatalogProvider Parse(JsonElement element, string where, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where}: a provider must be an object.");
        }

        var id = CatalogModel.RequireString(element, "id", where);
        where = $"{source}: provider {id}";
        var name = element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : id;

        var models = new List<CatalogModel>();
        if (element.TryGetProperty("models", out var modelsElement))
        {
            if (modelsElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{where}: 'models' must be a list.");
            }

            var index = 0;
            foreach (var model in modelsElement.EnumerateArray())
            {
                models.Add(CatalogModel.Parse(model, $"{where} model[{index++}]", source));
            }
        }

        var extractors = new List<ExtractorSpec>();
        if (element.TryGetProperty("extractors", out var extractorsElement) && extractorsElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var extractor in extractorsElement.EnumerateArray())
            {
                extractors.Add(ExtractorSpec.Parse(extractor, $"{where} extractor"));
            }
        }

        var fallbacks = new List<string>();
        if (element.TryGetProperty("fallback_model_providers", out var fb) && fb.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in fb.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    fallbacks.Add(item.GetString()!);
                }
            }
        }

        return new CatalogProvider(id, name, models, extractors)
        {
            ProviderMatch = element.TryGetProperty("provider_match", out var pm) ? MatchClause.Parse(pm, $"{where}.provider_match") : null,
            ModelMatch = element.TryGetProperty("model_match", out var mm) ? MatchClause.Parse(mm, $"{where}.model_match") : null,
            FallbackModelProviders = fallbacks,
        };
    }
}
