using System.Text.Json;

namespace Tollgate.Routing;

/// <summary>
/// Model capabilities: the <c>capabilities.json</c> shipped in the assembly for the common models of each provider,
/// extended or overridden by user files (same format; a user entry replaces only the fields it sets). Context
/// windows missing from the files are filled from the price catalog when one is supplied.
/// </summary>
public sealed class CapabilityCatalog
{
    private readonly Dictionary<ProviderModelKey, ModelCapabilities> _models;

    private CapabilityCatalog(Dictionary<ProviderModelKey, ModelCapabilities> models) => _models = models;

    public static CapabilityCatalog Empty { get; } = new([]);

    public IReadOnlyCollection<ModelCapabilities> Models => _models.Values;

    /// <summary>The built-in capabilities file.</summary>
    public static CapabilityCatalog BuiltIn()
    {
        using var stream = typeof(CapabilityCatalog).Assembly.GetManifestResourceStream("Tollgate.Routing.capabilities.json")
            ?? throw new InvalidOperationException("the built-in capabilities.json resource is missing from the Tollgate assembly");
        using var document = JsonDocument.Parse(stream);
        return Empty.With(document.RootElement, "built-in capabilities.json");
    }

    public ModelCapabilities? Find(string provider, string model) => _models.GetValueOrDefault(new ProviderModelKey(provider, model));

    /// <summary>Every provider offering a model of this name.</summary>
    public IEnumerable<ModelCapabilities> ByModel(string model) =>
        _models.Values.Where(m => string.Equals(m.Model, model, StringComparison.OrdinalIgnoreCase));

    /// <summary>This catalog extended by a user file; throws <see cref="ArgumentException"/> saying what is wrong with it.</summary>
    public CapabilityCatalog WithFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"capabilities file '{path}' does not exist", nameof(path));
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return With(document.RootElement, path);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"capabilities file '{path}' is not valid JSON: {ex.Message}", nameof(path), ex);
        }
    }

    /// <summary>This catalog plus one entry (replacing the same provider/model).</summary>
    public CapabilityCatalog With(ModelCapabilities capabilities)
    {
        var copy = new Dictionary<ProviderModelKey, ModelCapabilities>(_models) { [capabilities.Key] = capabilities };
        return new CapabilityCatalog(copy);
    }

    /// <summary>Fills unknown context windows from <paramref name="contextWindow"/> (e.g. the genai-prices catalog).</summary>
    public CapabilityCatalog WithContextWindows(Func<string, string, long?> contextWindow)
    {
        var copy = new Dictionary<ProviderModelKey, ModelCapabilities>();
        foreach (var (key, model) in _models)
        {
            copy[key] = model.ContextWindow is null && contextWindow(model.Provider, model.Model) is { } window ? model with { ContextWindow = window } : model;
        }

        return new CapabilityCatalog(copy);
    }

    private CapabilityCatalog With(JsonElement root, string source)
    {
        var models = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("models", out var list) ? list : root;
        if (models.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException($"{source}: expected {{\"models\": [ ... ]}}");
        }

        var copy = new Dictionary<ProviderModelKey, ModelCapabilities>(_models);
        var index = 0;
        foreach (var entry in models.EnumerateArray())
        {
            var where = $"{source}: models[{index++}]";
            var provider = String(entry, "provider") ?? throw new ArgumentException($"{where} needs a \"provider\"");
            var model = String(entry, "model") ?? throw new ArgumentException($"{where} needs a \"model\"");
            var key = new ProviderModelKey(provider, model);
            var current = copy.GetValueOrDefault(key) ?? new ModelCapabilities { Provider = key.Provider, Model = model };
            var mode = current.Mode;
            if (String(entry, "mode") is { } modeText && !GenerationTypes.TryParse(modeText, out mode))
            {
                throw new ArgumentException($"{where}: mode '{modeText}' must be chat, embeddings, image or audio");
            }

            var tier = Int(entry, "quality_tier", where) ?? current.QualityTier;
            if (tier is < 1 or > 5)
            {
                throw new ArgumentException($"{where}: quality_tier must be 1 to 5");
            }

            copy[key] = current with
            {
                Mode = mode,
                ContextWindow = Int(entry, "context_window", where) ?? current.ContextWindow,
                MaxOutputTokens = (int?)Int(entry, "max_output_tokens", where) ?? current.MaxOutputTokens,
                Vision = Bool(entry, "vision", where) ?? current.Vision,
                Tools = Bool(entry, "tools", where) ?? current.Tools,
                JsonSchema = Bool(entry, "json_schema", where) ?? current.JsonSchema,
                QualityTier = (int)tier,
            };
        }

        return new CapabilityCatalog(copy);
    }

    private static string? String(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;

    private static long? Int(JsonElement entry, string name, string where)
    {
        if (!entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n > 0
            ? n
            : throw new ArgumentException($"{where}: {name} must be a positive whole number");
    }

    private static bool? Bool(JsonElement entry, string name, string where)
    {
        if (!entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ArgumentException($"{where}: {name} must be true or false"),
        };
    }
}
