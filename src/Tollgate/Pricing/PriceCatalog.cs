using System.Collections.Concurrent;
using System.Text.Json;

namespace Tollgate.Pricing;

/// <summary>
/// An immutable genai-prices v2 catalog: providers, models, price schedules and usage extractors.
/// <see cref="BuiltIn"/> is the copy bundled with Tollgate; <see cref="WithOverrides"/> layers a user catalog on top.
/// Lookups are cached per instance, so keep one instance and share it.
/// </summary>
public sealed class PriceCatalog
{
    /// <summary>Source label of the bundled catalog.</summary>
    public const string BuiltInSource = "builtin";

    private const int LookupCacheLimit = 10_000;

    private static readonly Lazy<PriceCatalog> BuiltInCatalog = new(LoadBuiltIn);

    private readonly CatalogProvider[] _providers;
    private readonly Dictionary<string, CatalogProvider> _byId;
    private readonly ConcurrentDictionary<(string Provider, string Model), ModelLookup> _lookups = new();

    private PriceCatalog(IEnumerable<CatalogProvider> providers, string source)
    {
        _providers = [.. providers];
        _byId = new Dictionary<string, CatalogProvider>(StringComparer.Ordinal);
        foreach (var provider in _providers)
        {
            _byId.TryAdd(provider.Id, provider);
        }

        Source = source;
    }

    /// <summary>The catalog bundled with Tollgate (genai-prices data, MIT).</summary>
    public static PriceCatalog BuiltIn => BuiltInCatalog.Value;

    /// <summary>Where this catalog came from (<c>builtin</c>, <c>override:PATH</c>, <c>remote:URL</c>, …; layered catalogs join them with <c>+</c>).</summary>
    public string Source { get; }

    /// <summary>Providers in catalog order.</summary>
    public IReadOnlyList<CatalogProvider> Providers => _providers;

    /// <summary>Parses a catalog in the genai-prices v2 JSON format (a list of providers). Throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static PriceCatalog Parse(ReadOnlySpan<byte> utf8Json, string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{source}: not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            return Parse(document.RootElement, source);
        }
    }

    /// <summary>Parses a catalog from JSON text.</summary>
    public static PriceCatalog Parse(string json, string source) => Parse(System.Text.Encoding.UTF8.GetBytes(json), source);

    /// <summary>Parses a catalog from a JSON element (a list of providers).</summary>
    public static PriceCatalog Parse(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{source}: a catalog is a JSON list of providers.");
        }

        var providers = new List<CatalogProvider>();
        var index = 0;
        foreach (var element in root.EnumerateArray())
        {
            providers.Add(CatalogProvider.Parse(element, $"{source}: provider[{index++}]", source));
        }

        var duplicate = providers.GroupBy(p => p.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FormatException($"{source}: provider '{duplicate.Key}' appears twice.");
        }

        return new PriceCatalog(providers, source);
    }

    /// <summary>Like <see cref="Parse(ReadOnlySpan{byte}, string)"/> but returns the error instead of throwing.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, string source, out PriceCatalog? catalog, out string? error)
    {
        try
        {
            catalog = Parse(utf8Json, source);
            error = null;
            return true;
        }
        catch (FormatException ex)
        {
            catalog = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Loads a catalog file (same format as the built-in one), labelled <paramref name="source"/>.</summary>
    public static PriceCatalog Load(string path, string? source = null) => Parse(File.ReadAllBytes(path), source ?? $"override:{path}");

    /// <summary>
    /// A new catalog where <paramref name="overrides"/> wins: an override model replaces the model with the same id and is
    /// tried before the provider's other models; a provider only in the overrides is added. Provider-level data
    /// (matching rules, extractors) stays the base catalog's when the provider exists there.
    /// </summary>
    public PriceCatalog WithOverrides(PriceCatalog overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var result = new List<CatalogProvider>();
        foreach (var provider in _providers)
        {
            if (overrides._byId.TryGetValue(provider.Id, out var overriding))
            {
                var ids = overriding.Models.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
                result.Add(provider.WithModels(overriding.Models.Concat(provider.Models.Where(m => !ids.Contains(m.Id)))));
            }
            else
            {
                result.Add(provider);
            }
        }

        result.AddRange(overrides._providers.Where(p => !_byId.ContainsKey(p.Id)));
        return new PriceCatalog(result, $"{Source}+{overrides.Source}");
    }

    /// <summary>A copy whose models are all labelled <paramref name="source"/> (e.g. a refreshed remote copy).</summary>
    public PriceCatalog Relabel(string source) =>
        new(_providers.Select(p => p.WithModels(p.Models.Select(m => m.WithSource(source)))), source);

    /// <summary>The provider with exactly this id.</summary>
    public CatalogProvider? GetProvider(string id) => _byId.GetValueOrDefault(id);

    /// <summary>
    /// Finds a provider from a reference: its id (trimmed, lower-cased) exactly, else the first provider whose
    /// <c>provider_match</c> rules match the reference.
    /// </summary>
    public CatalogProvider? FindProvider(string providerReference)
    {
        ArgumentNullException.ThrowIfNull(providerReference);
        var normalized = providerReference.Trim().ToLowerInvariant();
        if (_byId.TryGetValue(normalized, out var exact))
        {
            return exact;
        }

        foreach (var provider in _providers)
        {
            if (provider.ProviderMatch is not null && provider.ProviderMatch.IsMatch(normalized))
            {
                return provider;
            }
        }

        return null;
    }

    /// <summary>
    /// Resolves a model: the provider's first model in catalog order whose rules match; else each of its
    /// <c>fallback_model_providers</c> in order (one level deep); else unpriced with the closest known ids. Cached.
    /// </summary>
    public ModelLookup Resolve(string providerReference, string modelReference)
    {
        ArgumentNullException.ThrowIfNull(providerReference);
        ArgumentNullException.ThrowIfNull(modelReference);
        if (_lookups.TryGetValue((providerReference, modelReference), out var cached))
        {
            return cached;
        }

        var lookup = ResolveUncached(providerReference, modelReference);

        // Bounded, so a stream of made-up model names cannot grow memory without limit.
        if (_lookups.Count < LookupCacheLimit)
        {
            _lookups.TryAdd((providerReference, modelReference), lookup);
        }

        return lookup;
    }

    /// <summary>The known model ids closest to <paramref name="modelReference"/> (edit distance), for hints.</summary>
    public IReadOnlyList<string> ClosestModelIds(CatalogProvider? provider, string modelReference, int count = 3)
    {
        var reference = modelReference.ToLowerInvariant();
        IEnumerable<CatalogModel> candidates = provider is null
            ? _providers.SelectMany(p => p.Models)
            : provider.Models.Concat(provider.FallbackModelProviders.Select(GetProvider).Where(p => p is not null).SelectMany(p => p!.Models));
        return [.. candidates
            .Select(m => m.Id)
            .Distinct(StringComparer.Ordinal)
            .Select(id => (Id: id, Distance: EditDistance(reference, id.ToLowerInvariant())))
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Id, StringComparer.Ordinal)
            .Take(count)
            .Select(x => x.Id)];
    }

    private ModelLookup ResolveUncached(string providerReference, string modelReference)
    {
        var provider = FindProvider(providerReference);
        if (provider is null)
        {
            var known = string.Join(", ", _providers.Select(p => p.Id));
            return ModelLookup.Unpriced(providerReference, modelReference, null, $"unknown provider '{providerReference}' (known: {known})");
        }

        var model = provider.FindModel(modelReference);
        if (model is not null)
        {
            return ModelLookup.Resolved(providerReference, modelReference, provider, model, provider.Id);
        }

        foreach (var fallbackId in provider.FallbackModelProviders)
        {
            var fallback = GetProvider(fallbackId);
            var fallbackModel = fallback?.FindModel(modelReference);
            if (fallbackModel is not null)
            {
                return ModelLookup.Resolved(providerReference, modelReference, provider, fallbackModel, fallback!.Id);
            }
        }

        return ModelLookup.Unpriced(
            providerReference,
            modelReference,
            provider,
            () => ClosestModelIds(provider, modelReference),
            hints => $"model '{modelReference}' is not in the price catalog for provider '{provider.Id}'"
                + (hints.Count > 0 ? $"; closest known: {string.Join(", ", hints)}" : string.Empty));
    }

    private static PriceCatalog LoadBuiltIn()
    {
        using var stream = typeof(PriceCatalog).Assembly.GetManifestResourceStream("Tollgate.Pricing.Catalog.data.json")
            ?? throw new InvalidOperationException("The built-in price catalog resource is missing from the Tollgate assembly.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return Parse(memory.GetBuffer().AsSpan(0, (int)memory.Length), BuiltInSource);
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
