using System.Text.Json;
using Tollgate.Pricing;
using Tollgate.Routing;

namespace Tollgate.Providers.Configuration;

/// <summary>
/// The <c>providers</c> and <c>routing</c> sections of <c>tollgate.json</c>, the file <c>tollgate serve</c> reads, so
/// the CLI and the gateway see the same providers. <c>providers</c> is the gateway's array of
/// <c>{"name", "baseUrl", "apiKeyEnv", "apiKey", "allowMissingKey", "format", "models", "enabled"}</c>, plus the
/// routing extras <c>backup</c>, <c>apiVersion</c>, <c>deployments</c>, <c>modelNames</c>, <c>headers</c>,
/// <c>timeoutSeconds</c>, <c>defaultMaxTokens</c>, <c>pricingProvider</c>. Names match case-insensitively and
/// snake_case works too (<c>base_url</c>). Every preset provider is known (unavailable until its key is set) unless <c>"providersFromEnvironment": false</c>, the gateway's switch of the same name.
/// <code>
/// { "providers": [ { "name": "openai", "backup": "azure" },
///                  { "name": "azure", "baseUrl": "https://res.openai.azure.com", "deployments": { "gpt-4o": "prod" } },
///                  { "name": "local", "format": "openai", "baseUrl": "http://127.0.0.1:8000/v1", "allowMissingKey": true, "models": ["qwen3"] } ],
///   "routing": { "weights": { "cost": 0.4, "latency": 0.3, "quality": 0.3 }, "minConfidence": 0.5,
///                "capabilitiesFiles": ["capabilities.json"], "retry": { "maxAttemptsPerCandidate": 2 } } }
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
        if (Bool(root, "providersFromEnvironment", source) ?? true)
        {
            foreach (var preset in ProviderPresets.All())
            {
                providers[preset.Name] = preset;
            }
        }

        if (Get(root, "providers") is { } section)
        {
            if (section.ValueKind != JsonValueKind.Array)
            {
                throw new ArgumentException($"{source}: providers must be an array of {{\"name\": …, \"baseUrl\": …}} objects");
            }

            var index = 0;
            foreach (var entry in section.EnumerateArray())
            {
                var where = $"{source}: providers[{index++}]";
                if (entry.ValueKind != JsonValueKind.Object)
                {
                    throw new ArgumentException($"{where} must be an object");
                }

                var name = String(entry, "name", where)?.ToLowerInvariant() ?? throw new ArgumentException($"{where} needs a \"name\"");
                where = $"{source}: providers[{index - 1}] ({name})";
                if (Bool(entry, "enabled", where) == false)
                {
                    providers.Remove(name);
                    continue;
                }

                var options = providers.GetValueOrDefault(name) ?? ProviderPresets.Get(name) ?? new ProviderOptions { Name = name, PricingProviderId = name };
                Apply(options, entry, where);
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
        if (Get(root, "routing") is { } r)
        {
            if (r.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"{source}: routing must be an object");
            }

            var where = $"{source}: routing";
            if (Get(r, "weights") is { } weights)
            {
                routing.CostWeight = Double(weights, "cost", $"{where}.weights") ?? routing.CostWeight;
                routing.LatencyWeight = Double(weights, "latency", $"{where}.weights") ?? routing.LatencyWeight;
                routing.QualityWeight = Double(weights, "quality", $"{where}.weights") ?? routing.QualityWeight;
            }

            routing.MinimumConfidence = Double(r, "minConfidence", where) ?? routing.MinimumConfidence;
            routing.AllowSubstitution = Bool(r, "allowSubstitution", where) ?? routing.AllowSubstitution;
            routing.EmergencyMode = Bool(r, "emergencyMode", where) ?? routing.EmergencyMode;
            routing.LatencySamplesForConfidence = (int?)Long(r, "latencySamplesForConfidence", where) ?? routing.LatencySamplesForConfidence;
            if (Get(r, "capabilitiesFiles") is { } list)
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw new ArgumentException($"{where}.capabilitiesFiles must be an array of paths");
                }

                foreach (var file in list.EnumerateArray())
                {
                    files.Add(Path.GetFullPath(Path.Combine(baseDirectory, file.GetString() ?? throw new ArgumentException($"{where}.capabilitiesFiles must hold paths"))));
                }
            }

            if (Get(r, "retry") is { } retry)
            {
                var w = $"{where}.retry";
                fallback.MaxAttemptsPerCandidate = (int?)Long(retry, "maxAttemptsPerCandidate", w) ?? fallback.MaxAttemptsPerCandidate;
                fallback.MaxCandidates = (int?)Long(retry, "maxCandidates", w) ?? fallback.MaxCandidates;
                fallback.BaseDelay = Millis(retry, "baseDelayMs", w) ?? fallback.BaseDelay;
                fallback.MaxDelay = Millis(retry, "maxDelayMs", w) ?? fallback.MaxDelay;
                fallback.MaxRetryAfter = Millis(retry, "maxRetryAfterMs", w) ?? fallback.MaxRetryAfter;
            }

            if (Get(r, "health") is { } h)
            {
                var w = $"{where}.health";
                health.Window = Seconds(h, "windowSeconds", w) ?? health.Window;
                health.ConsecutiveFailuresToOpen = (int?)Long(h, "consecutiveFailures", w) ?? health.ConsecutiveFailuresToOpen;
                health.FailureRatioToOpen = Double(h, "failureRatio", w) ?? health.FailureRatioToOpen;
                health.MinimumThroughput = (int?)Long(h, "minimumThroughput", w) ?? health.MinimumThroughput;
                health.BreakDuration = Seconds(h, "breakSeconds", w) ?? health.BreakDuration;
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
        if (String(entry, "format", where) is { } api)
        {
            options.Api = api.ToLowerInvariant() switch
            {
                "openai" or "openai-compatible" or "openai_compatible" => ProviderApi.OpenAICompatible,
                "azure" or "azure-openai" => ProviderApi.AzureOpenAI,
                "anthropic" => ProviderApi.Anthropic,
                "gemini" or "google" => ProviderApi.Gemini,
                _ => throw new ArgumentException($"{where}.format '{api}' must be openai, azure, anthropic or gemini"),
            };
        }

        if (String(entry, "baseUrl", where) is { } url)
        {
            options.BaseUrl = Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? uri
                : throw new ArgumentException($"{where}.base_url must be an absolute http(s) URL");
        }

        options.ApiKey = String(entry, "apiKey", where) ?? options.ApiKey;
        options.ApiKeyEnvironmentVariable = String(entry, "apiKeyEnv", where) ?? options.ApiKeyEnvironmentVariable;
        options.RequiresApiKey = Bool(entry, "allowMissingKey", where) is { } allowMissing ? !allowMissing : options.RequiresApiKey;
        options.ApiVersion = String(entry, "apiVersion", where) ?? options.ApiVersion;
        options.PricingProviderId = String(entry, "pricingProvider", where) ?? options.PricingProviderId;
        options.Backup = String(entry, "backup", where)?.ToLowerInvariant() ?? options.Backup;
        options.Timeout = Seconds(entry, "timeoutSeconds", where) ?? options.Timeout;
        options.ConnectTimeout = Seconds(entry, "connectTimeoutSeconds", where) ?? options.ConnectTimeout;
        options.IdleTimeout = Seconds(entry, "idleTimeoutSeconds", where) ?? options.IdleTimeout;
        options.TotalTimeout = Seconds(entry, "totalTimeoutSeconds", where) ?? options.TotalTimeout;
        options.DefaultMaxTokens = (int?)Long(entry, "defaultMaxTokens", where) ?? options.DefaultMaxTokens;
        Map(entry, "deployments", options.Deployments, where);
        Map(entry, "modelNames", options.ModelNames, where);
        Map(entry, "headers", options.Headers, where);
        if (Get(entry, "models") is { } models)
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

    /// <summary>A property by name, ignoring case and underscores (<c>baseUrl</c>, <c>BaseUrl</c>, <c>base_url</c>).</summary>
    private static JsonElement? Get(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name.Replace("_", "", StringComparison.Ordinal), name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static void Map(JsonElement entry, string name, IDictionary<string, string> target, string where)
    {
        if (Get(entry, name) is not { } map)
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
        if (Get(entry, name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new ArgumentException($"{where}.{name} must be a string");
    }

    private static bool? Bool(JsonElement entry, string name, string where)
    {
        if (Get(entry, name) is not { } value || value.ValueKind == JsonValueKind.Null)
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
        if (Get(entry, name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw new ArgumentException($"{where}.{name} must be a number");
    }

    private static long? Long(JsonElement entry, string name, string where)
    {
        if (Get(entry, name) is not { } value || value.ValueKind == JsonValueKind.Null)
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
