using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Tollgate.Pricing;
using Tollgate.Providers.Configuration;

namespace Tollgate.Gateway.Configuration;

/// <summary>
/// Builds <see cref="GatewayOptions"/> from, in rising priority: the config file (<c>tollgate.json</c>), environment
/// variables <c>TOLLGATE__…</c> (<c>TOLLGATE__PORT=5000</c>, <c>TOLLGATE__PROVIDERS__0__NAME=openai</c>),
/// <c>TOLLGATE_ADMIN_KEY</c>, and command-line values.
/// </summary>
public static class GatewayConfiguration
{
    /// <summary>Loads the options; throws <see cref="GatewayConfigurationException"/> with what to fix.</summary>
    public static GatewayOptions Load(string? configFile, IReadOnlyDictionary<string, string?>? overrides = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var builder = new ConfigurationBuilder();
        ProvidersConfiguration? routing = null;
        PricingOptions? pricing = null;
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new GatewayConfigurationException($"config file {configFile} does not exist: check the path given to --config");
            }

            try
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(full), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new GatewayConfigurationException($"config file {configFile} must hold one JSON object, e.g. {{\"port\": 4000}}");
                }

                (routing, pricing) = ReadSharedSections(document.RootElement, full, configFile);
            }
            catch (JsonException ex)
            {
                throw new GatewayConfigurationException($"config file {configFile} is not valid JSON (line {ex.LineNumber + 1}): fix it or remove --config");
            }

            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        var variables = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (name.StartsWith("TOLLGATE__", StringComparison.OrdinalIgnoreCase))
            {
                variables[name["TOLLGATE__".Length..].Replace("__", ":", StringComparison.Ordinal)] = environment(name);
            }
        }

        builder.AddInMemoryCollection(variables);
        if (environment("TOLLGATE_ADMIN_KEY") is { Length: > 0 } adminKey)
        {
            builder.AddInMemoryCollection([new("AdminKey", adminKey)]);
        }

        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides.Where(p => p.Value is not null));
        }

        // The "routing" and "pricing" sections are read with the parsers the CLI uses (tollgate route explain, tollgate
        // price --config), so one tollgate.json means the same to both; the strict binding below skips them.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(builder.Build().AsEnumerable()
                .Where(p => !IsSection(p.Key, "routing") && !IsSection(p.Key, PricingOptions.SectionName)))
            .Build();
        var options = new GatewayOptions();
        try
        {
            configuration.Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw new GatewayConfigurationException($"configuration cannot be read: {FriendlyTypeNames.Rewrite(ex.Message.Split('\n')[0])} (check the names and types in {configFile ?? "TOLLGATE__ variables"})");
        }

        if (routing is not null)
        {
            options.Routing = routing.Routing;
            options.Fallback = routing.Fallback;
            options.Health = routing.Health;
            options.CapabilityFiles = routing.CapabilityFiles;
        }

        if (pricing is not null)
        {
            options.Pricing = pricing;
        }

        if (string.IsNullOrEmpty(options.OtlpEndpoint) && environment("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } otlp)
        {
            options.OtlpEndpoint = otlp;
        }

        return options;
    }

    private static bool IsSection(string key, string section) =>
        key.Equals(section, StringComparison.OrdinalIgnoreCase) || key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase);

    private static (ProvidersConfiguration? Routing, PricingOptions? Pricing) ReadSharedSections(JsonElement root, string fullPath, string configFile)
    {
        ProvidersConfiguration? routing = null;
        PricingOptions? pricing = null;
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name.Equals("routing", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    routing = ProvidersConfiguration.Parse(root, Path.GetDirectoryName(fullPath) ?? ".", Path.GetFileName(fullPath));
                }
                catch (ArgumentException ex)
                {
                    throw new GatewayConfigurationException(ex.Message);
                }
            }
            else if (property.Name.Equals(PricingOptions.SectionName, StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    pricing = property.Value.Deserialize<PricingOptions>(new JsonSerializerOptions { PropertyNameCaseInsensitive = true }) ?? new PricingOptions();
                }
                catch (JsonException ex)
                {
                    throw new GatewayConfigurationException($"config file {configFile}: the pricing section cannot be read ({FriendlyTypeNames.Rewrite(ex.Message)}): see docs/pricing.md for its fields");
                }
            }
        }

        return (routing, pricing);
    }
}

/// <summary>Configuration that cannot be used; the message says what to fix.</summary>
public sealed class GatewayConfigurationException(string message) : Exception(message);
