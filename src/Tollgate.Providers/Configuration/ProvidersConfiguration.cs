using System.Text.Json;
using Tollgate.Pricing;
using Tollgate.Routing;

namespace Tollgate.Providers.Configuration;

/// <summary>
/// The <c>providers</c> and <c>routing</c> sections of <c>tollgate.json</c> (shared by <c>tollgate serve</c> and the
/// CLI). Every preset provider is known unless <c>"include_presets": false</c>; entries override preset fields or add
/// providers. Keys are best given as <c>api_key_env</c> (the variable's name), never committed in the file.
/// <code>
/// { "providers": { "openai": { "backup": "azure" },
///                  "azure": { "base_url": "https://res.openai.azure.com", "deployments": { "gpt-4o": "prod" } },
///                  "local": { "api": "openai", "base_url": "http://127.0.0.1:8000/v1", "api_key_env": "LOCAL_KEY", "models": ["qwen3"] } },
///   "routing": { "weights": { "cost": 0.4, "latency": 0.3, "quality": 0.3 }, "min_confidence": 0.5,
///                "capabilities_files": ["capabilities.json"], "retry": { "max_attempts_per_candidate": 2 } } }
/// </code>
/// </summary>
public sealed class ProvidersConfiguration
{
    public IReadOnlyList<ProviderOptions> Providers { get; private init; } = [];

    public RoutingOptions Routing { get; private init; } = new();

    public HealthOptions Health { get; private init; } = new();

    public FallbackOptions Fallback { get; private init; } = new();

    /// <summary>User capability files (absolute paths), applied over the built-in one in order.</summary>
    public IReadOnlyList<string> CapabilityFiles { get; private init; } = [];

    /// <summary>Every preset provider with default routing.</summary>
    public static ProvidersConfiguration Default() => new() { Providers = ProviderPresets.All() };

    /// <summary>Reads a <c>tollgate.json</c>; throws <see cref="ArgumentException"/> naming the setting to fix.</summary>
    public static ProvidersConfiguration Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"configuration file '{path}' does not exist");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return Parse(document.RootElement, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", Path.GetFileName(path));
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"configuration file '{path}' is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads the sections from a parsed configuration root; relative file paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static ProvidersConfiguration Parse(JsonElement root, string baseDirectory, string source = "tollgate.json")
    {
        var providers = new Dictionary<string, ProviderOptions>(StringComparer.OrdinalIgnoreCase);
        var section = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("providers", out var p) ? p : default;
        var includePresets = section.ValueKind != JsonValueKind.Object || !section.TryGetProperty("include_presets", out var include) || include.ValueKind != JsonValueKind.False;
        if (includePresets)
        {
            foreach (var preset in ProviderPresets.All())
            {
                providers[preset.Name] = preset;
            }
        }

        if (section.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in section.EnumerateObject())
            {
                if (entry.Name == "include_presets")
                {
                    continue;
                }

                var where = $"{source}: providers.{entry.Name}";
                if (entry.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new ArgumentException($"{where} must be an object");
                }

                var name = entry.Name.ToLowerInvariant();
                var options = providers.GetValueOrDefault(name) ?? ProviderPresets.Get(name) ?? new ProviderOptions { Name = name, PricingProviderId = null };
                Apply(options, entry.Value, where);
                providers[name] = options;
            }
        }

        foreach (var provider in providers.Values)
        {
            if (provider.Backup is { } backup && !providers.ContainsKey(backup))
            {
                throw new ArgumentException($"{source}: providers.{provider.Name}.backup names '{backup}', which is not a configured provider");
            }
        }

        var routing = new RoutingOptions();
        var health = new HealthOptions();
        var fallback = new FallbackOptions();
        var files = new List<string>();
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("routing", out var r))
        {
            if (r.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"{source}: routing must be an object");
            }

            var where = $"{source}: routing";
            if (r.TryGetProperty("weights", out var weights))
            {
                routing.CostWeight = Double(weights, "cost", $"{where}.weights") ?? routing.CostWeight;
                routing.LatencyWeight = Double(weights, "latency", $"{where}.weights") ?? routing.LatencyWeight;
                routing.QualityWeight = Double(weights, "quality", $"{where}.weights") ?? routing.QualityWeight;
            }

            routing.MinimumConfidence = Double(r, "min_confidence", where) ?? routing.MinimumConfidence;
            routing.AllowSubstitution = Bool(r, "allow_substitution", where) ?? routing.AllowSubstitution;
            routing.EmergencyMode = Bool(r, "emergency_mode", where) ?? routing.EmergencyMode;
            routing.LatencySamplesForConfidence = (int?)Long(r, "latency_samples_for_confidence", where) ?? routing.LatencySamplesForConfidence;
            if (r.TryGetProperty("capabilities_files", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw new ArgumentException($"{where}.capabilities_files must be an array of paths");
                }

                foreach (var file in list.EnumerateArray())
                {
                    files.Add(Path.GetFullPath(Path.Combine(baseDirectory, file.GetString() ?? throw new ArgumentException($"{where}.capabilities_files must hold paths"))));
                }
            }

            if (r.TryGetProperty("retry", out var retry))
            {
                var w = $"{where}.retry";
                fallback.MaxAttemptsPerCandidate = (int?)Long(retry, "max_attempts_per_candidate", w) ?? fallback.MaxAttemptsPerCandidate;
                fallback.MaxCandidates = (int?)Long(retry, "max_candidates", w) ?? fallback.MaxCandidates;
                fallback.BaseDelay = Millis(retry, "base_delay_ms", w) ?? fallback.BaseDelay;
                fallback.MaxDelay = Millis(retry, "max_delay_ms", w) ?? fallback.MaxDelay;
                fallback.MaxRetryAfter = Millis(retry, "max_retry_after_ms", w) ?? fallback.MaxRetryAfter;
            }

            if (r.TryGetProperty("health", out var h))
            {
                var w = $"{where}.health";
                health.Window = Seconds(h, "window_seconds", w) ?? health.Window;
                health.ConsecutiveFailuresToOpen = (int?)Long(h, "consecutive_failures", w) ?? health.ConsecutiveFailuresToOpen;
                health.FailureRatioToOpen = Double(h, "failure_ratio", w) ?? health.FailureRatioToOpen;
                health.MinimumThroughput = (int?)Long(h, "minimum_throughput", w) ?? health.MinimumThroughput;
                health.BreakDuration = Seconds(h, "break_seconds", w) ?? health.BreakDuration;
            }
        }

        try
        {
            routing.Validate();
            health.Validate();
            fallback.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{source}: {ex.Message}", ex);
        }

        return new ProvidersConfiguration
        {
            Providers = providers.Values.OrderBy(o => o.Name, StringComparer.Ordinal).ToList(),
            Routing = routing,
            Health = health,
            Fallback = fallback,
            CapabilityFiles = files,
        };
    }

    /// <summary>The built-in capabilities, the user files, and context windows from the price catalog where the files give none.</summary>
    public CapabilityCatalog LoadCapabilities(PriceCatalog? prices = null)
    {
        var catalog = CapabilityCatalog.BuiltIn();
        foreach (var file in CapabilityFiles)
        {
            catalog = catalog.WithFile(file);
        }

        if (prices is not null)
        {
            var pricingIds = Providers.ToDictionary(p => p.Name, p => p.PricingProviderId, StringComparer.OrdinalIgnoreCase);
            catalog = catalog.WithContextWindows((provider, model) =>
                pricingIds.GetValueOrDefault(provider) is { } id && prices.Resolve(id, model) is { Found: true } lookup ? lookup.ContextWindow : null);
        }

        return catalog;
    }

    private static void Apply(ProviderOptions options, JsonElement entry, string where)
    {
        if (String(entry, "api", where) is { } api)
        {
            options.Api = api.ToLowerInvariant() switch
            {
                "openai" or "openai-compatible" or "openai_compatible" => ProviderApi.OpenAICompatible,
                "azure" or "azure-openai" => ProviderApi.AzureOpenAI,
                "anthropic" => ProviderApi.Anthropic,
                "gemini" or "google" => ProviderApi.Gemini,
                _ => throw new ArgumentException($"{where}.api '{api}' must be openai, azure, anthropic or gemini"),
            };
        }

        if (String(entry, "base_url", where) is { } url)
        {
            options.BaseUrl = Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? uri
                : throw new ArgumentException($"{where}.base_url must be an absolute http(s) URL");
        }

        options.ApiKey = String(entry, "api_key", where) ?? options.ApiKey;
        options.ApiKeyEnvironmentVariable = String(entry, "api_key_env", where) ?? options.ApiKeyEnvironmentVariable;
        options.RequiresApiKey = Bool(entry, "requires_api_key", where) ?? options.RequiresApiKey;
        options.ApiVersion = String(entry, "api_version", where) ?? options.ApiVersion;
        options.PricingProviderId = String(entry, "pricing_provider", where) ?? options.PricingProviderId;
        options.Backup = String(entry, "backup", where)?.ToLowerInvariant() ?? options.Backup;
        options.Timeout = Seconds(entry, "timeout_seconds", where) ?? options.Timeout;
        options.DefaultMaxTokens = (int?)Long(entry, "default_max_tokens", where) ?? options.DefaultMaxTokens;
        Map(entry, "deployments", options.Deployments, where);
        Map(entry, "model_names", options.ModelNames, where);
        Map(entry, "headers", options.Headers, where);
        if (entry.TryGetProperty("models", out var models))
        {
            if (models.ValueKind != JsonValueKind.Array)
            {
                throw new ArgumentException($"{where}.models must be an array of model names");
            }

            foreach (var model in models.EnumerateArray())
            {
                if (model.GetString() is { Length: > 0 } name && !options.Models.Contains(name))
                {
                    options.Models.Add(name);
                }
            }
        }

        if (options.BaseUrl is not null)
        {
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"{where}: {ex.Message}", ex);
            }
        }
    }

    private static void Map(JsonElement entry, string name, IDictionary<string, string> target, string where)
    {
        if (!entry.TryGetProperty(name, out var map))
        {
            return;
        }

        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"{where}.{name} must be an object of strings");
        }

        foreach (var item in map.EnumerateObject())
        {
            target[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : throw new ArgumentException($"{where}.{name}.{item.Name} must be a string");
        }
    }

    private static string? String(JsonElement entry, string name, string where)
    {
        if (!entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new ArgumentException($"{where}.{name} must be a string");
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
            _ => throw new ArgumentException($"{where}.{name} must be true or false"),
        };
    }

    private static double? Double(JsonElement entry, string name, string where)
    {
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw new ArgumentException($"{where}.{name} must be a number");
    }

    private static long? Long(JsonElement entry, string name, string where)
    {
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0 ? n : throw new ArgumentException($"{where}.{name} must be a whole number ≥ 0");
    }

    private static TimeSpan? Seconds(JsonElement entry, string name, string where) =>
        Double(entry, name, where) is { } s ? (s > 0 ? TimeSpan.FromSeconds(s) : throw new ArgumentException($"{where}.{name} must be positive")) : null;

    private static TimeSpan? Millis(JsonElement entry, string name, string where) =>
        Long(entry, name, where) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
}
