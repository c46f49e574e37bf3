using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Pricing;

/// <summary>
/// Maps a provider's raw response body onto one <see cref="Usage"/> breakdown with the catalog's extractors
/// (provider by exact id, extractor by exact API flavour). Mappings are read under the extractor's root, which
/// must exist and be an object; several mappings to one unit are added; a missing or non-numeric required value
/// fails; a missing, null or mistyped optional value is skipped; a negative, non-integral, boolean or absurd value
/// fails even when optional; if every mapping was skipped, extraction fails.
/// </summary>
public static class UsageExtractor
{
    /// <summary>Counts above this (10^15) are treated as corrupt rather than billed.</summary>
    public const long MaxCount = 1_000_000_000_000_000;

    /// <summary>Extracts with the built-in catalog's extractors.</summary>
    public static UsageExtraction Extract(string providerId, string apiFlavor, JsonElement body) =>
        Extract(PriceCatalog.BuiltIn, providerId, apiFlavor, body);

    /// <summary>Extracts with <paramref name="catalog"/>'s extractors.</summary>
    public static UsageExtraction Extract(PriceCatalog catalog, string providerId, string apiFlavor, JsonElement body)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(providerId);
        ArgumentNullException.ThrowIfNull(apiFlavor);

        var provider = catalog.GetProvider(providerId);
        if (provider is null)
        {
            return UsageExtraction.Failed($"unknown provider '{providerId}'");
        }

        if (!provider.ExtractorsByFlavor.TryGetValue(apiFlavor, out var spec))
        {
            var flavors = provider.ExtractorSpecs.Count == 0 ? "none" : string.Join(", ", provider.ApiFlavors);
            return UsageExtraction.Failed($"provider '{providerId}' has no usage extractor for api_flavor '{apiFlavor}' (available: {flavors})");
        }

        return Extract(spec, body);
    }

    /// <summary>Extracts a whole body with one extractor (its model path and root, then its mappings).</summary>
    internal static UsageExtraction Extract(ExtractorSpec spec, JsonElement body)
    {
        // A body without a model name still yields usage; the call is then unpriced (no model to price).
        var model = Navigate(body, spec.ModelPath, out var modelElement) == Lookup.Found
                    && modelElement.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(modelElement.GetString())
            ? modelElement.GetString()
            : null;
        var rootResult = Navigate(body, spec.Root, out var root);
        if (rootResult != Lookup.Found || root.ValueKind != JsonValueKind.Object)
        {
            return UsageExtraction.Failed($"no usage object at `{spec.Root}` in the response body", model);
        }

        return ExtractUnder(spec, root, model);
    }

    /// <summary>
    /// Applies <paramref name="spec"/>'s mappings under an already located usage object (<paramref name="root"/>):
    /// the one place a provider's fields are mapped onto units, for whole bodies and for the usage objects the
    /// translating adapters hold.
    /// </summary>
    internal static UsageExtraction ExtractUnder(ExtractorSpec spec, JsonElement root, string? model)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return UsageExtraction.Failed($"no usage object at `{spec.Root}` in the response body", model);
        }

        var usage = new Usage();
        var anySet = false;
        foreach (var mapping in spec.Mappings)
        {
            var found = Navigate(root, mapping.Path, out var value);
            if (found == Lookup.Found && value.ValueKind == JsonValueKind.Null)
            {
                found = Lookup.Missing;
            }

            if (found != Lookup.Found)
            {
                if (mapping.Required)
                {
                    return UsageExtraction.Failed(
                        found == Lookup.Missing ? $"missing required value at `{spec.Root}.{mapping.Path}`" : $"unexpected shape at `{spec.Root}.{mapping.Path}`", model);
                }

                continue;
            }

            switch (value.ValueKind)
            {
                case JsonValueKind.True:
                case JsonValueKind.False:
                    return UsageExtraction.Failed($"value at `{spec.Root}.{mapping.Path}` is a boolean, expected a count", model);
                case JsonValueKind.Number:
                    if (!TryReadCount(value, out var count, out var problem))
                    {
                        return UsageExtraction.Failed($"value at `{spec.Root}.{mapping.Path}` {problem}", model);
                    }

                    if (usage[mapping.Dest] > MaxCount - count)
                    {
                        return UsageExtraction.Failed($"{mapping.DestKey} adds up to more than {MaxCount}", model);
                    }

                    usage.Add(mapping.Dest, count);
                    anySet = true;
                    break;
                default:
                    if (mapping.Required)
                    {
                        return UsageExtraction.Failed($"value at `{spec.Root}.{mapping.Path}` is not a number", model);
                    }

                    break;
            }
        }

        return anySet
            ? new UsageExtraction { Usage = usage, Model = model }
            : UsageExtraction.Failed($"no usage values found under `{spec.Root}`", model);
    }

    private static bool TryReadCount(JsonElement value, out long count, out string? problem)
    {
        problem = null;
        if (value.TryGetInt64(out count))
        {
            if (count < 0)
            {
                problem = $"is negative ({count})";
                return false;
            }

            if (count > MaxCount)
            {
                problem = $"is absurdly large ({count})";
                return false;
            }

            return true;
        }

        if (!value.TryGetDecimal(out var number))
        {
            problem = "is absurdly large (not representable as a count)";
            return false;
        }

        if (number < 0)
        {
            problem = $"is negative ({number})";
            return false;
        }

        if (number != decimal.Truncate(number))
        {
            problem = $"is not a whole number ({number})";
            return false;
        }

        if (number > MaxCount)
        {
            problem = $"is absurdly large ({number})";
            return false;
        }

        count = (long)number;
        return true;
    }

    private enum Lookup
    {
        Found,
        Missing,
        WrongShape,
    }

    private static Lookup Navigate(JsonElement start, ExtractPath path, out JsonElement result)
    {
        result = start;
        foreach (var step in path.Steps)
        {
            if (step.Key is not null)
            {
                if (result.ValueKind != JsonValueKind.Object)
                {
                    return Lookup.WrongShape;
                }

                if (!result.TryGetProperty(step.Key, out result))
                {
                    return Lookup.Missing;
                }
            }
            else
            {
                if (result.ValueKind != JsonValueKind.Array)
                {
                    return result.ValueKind == JsonValueKind.Null ? Lookup.Missing : Lookup.WrongShape;
                }

                var matched = false;
                foreach (var item in result.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object
                        && item.TryGetProperty(step.Field!, out var field)
                        && field.ValueKind == JsonValueKind.String
                        && step.Match!.IsMatch(field.GetString()!))
                    {
                        result = item;
                        matched = true;
                        break;
                    }
                }

                if (!matched)
                {
                    return Lookup.Missing;
                }
            }
        }

        return Lookup.Found;
    }
}
