using System.Text;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Metering;

/// <summary>
/// One provider's usage fields for one wire dialect: the catalog's extractor rules for that provider and API flavour,
/// mapped once and read the same way by the gateway's passthrough (streaming, with <see cref="Utf8JsonReader"/> and no
/// allocation), the translating provider adapters and <c>tollgate price</c> (<see cref="UsageExtractor"/>).
/// </summary>
public sealed class UsageDialect
{
    private const int MaxMappings = 64;

    private readonly ExtractorSpec _spec;

    // Per mapping: the UTF-8 keys of its path (null when the path has an array-match step, which only the
    // JsonElement reading handles), its unit and whether it is required.
    private readonly byte[][]?[] _keys;
    private readonly ulong _requiredMask;
    private readonly ulong _allMask;

    private UsageDialect(string provider, ExtractorSpec spec)
    {
        Provider = provider;
        _spec = spec;
        var count = Math.Min(spec.Mappings.Count, MaxMappings);
        _keys = new byte[][]?[count];
        for (var i = 0; i < count; i++)
        {
            var mapping = spec.Mappings[i];
            _keys[i] = mapping.Path.Steps.All(s => s.Key is not null) ? [.. mapping.Path.Steps.Select(s => Encoding.UTF8.GetBytes(s.Key!))] : null;
            if (mapping.Required)
            {
                _requiredMask |= 1UL << i;
            }
        }

        _allMask = count == MaxMappings ? ulong.MaxValue : (1UL << count) - 1;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, UsageWire), UsageDialect> BuiltInDialects = new();

    /// <summary>
    /// <see cref="For"/> with the built-in catalog, resolved once per provider and wire (the translating adapters,
    /// which hold no catalog of their own, read usage with it).
    /// </summary>
    public static UsageDialect BuiltIn(string? provider, UsageWire wire) =>
        BuiltInDialects.GetOrAdd((provider ?? "", wire), static key => For(PriceCatalog.BuiltIn, key.Item1.Length == 0 ? null : key.Item1, key.Item2));

    /// <summary>The catalog provider whose extractor this is.</summary>
    public string Provider { get; }

    /// <summary>The catalog API flavour whose extractor this is.</summary>
    public string ApiFlavor => _spec.ApiFlavor;

    /// <summary>
    /// The dialect of <paramref name="provider"/> for <paramref name="wire"/> in <paramref name="catalog"/>; when the
    /// provider has no extractor for that wire (or is not in the catalog), the wire's reference provider's
    /// (OpenAI, Anthropic, Google).
    /// </summary>
    public static UsageDialect For(PriceCatalog catalog, string? provider, UsageWire wire)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (provider is not null && catalog.GetProvider(provider) is { } own && Pick(own, wire) is { } spec)
        {
            return new UsageDialect(own.Id, spec);
        }

        var reference = wire switch
        {
            UsageWire.AnthropicMessages => "anthropic",
            UsageWire.Gemini => "google",
            _ => "openai",
        };
        var fallback = catalog.GetProvider(reference) is { } p ? Pick(p, wire) : null;
        return fallback is null
            ? throw new InvalidOperationException($"the price catalog has no usage extractor for {wire} (provider '{reference}')")
            : new UsageDialect(reference, fallback);
    }

    /// <summary>
    /// Reads a whole response body (the usage under the extractor's root); null when the catalog's rules cannot
    /// extract it (missing required count, negative or fractional value…).
    /// </summary>
    public Usage? ReadBody(JsonElement body) => UsageExtractor.Extract(_spec, body).Usage;

    /// <summary>Reads an already located usage object (<c>usage</c>, <c>usageMetadata</c>); null as <see cref="ReadBody"/>.</summary>
    public Usage? ReadUsageObject(JsonElement usage) => UsageExtractor.ExtractUnder(_spec, usage, null).Usage;

    /// <summary>
    /// Reads the usage object the reader is on (StartObject; ends on its EndObject) and sets the units it reports
    /// on <paramref name="usage"/> (a later usage object of the same stream — Anthropic's <c>message_delta</c> —
    /// replaces the counts it repeats). A count that is negative, fractional, a boolean, beyond a 64-bit counter, or a
    /// required count that is not a number sets <paramref name="malformed"/>: it is never billed as 0 (an absurd but
    /// well-formed count is left to <see cref="UsageCheck"/>, which flags it implausible). Returns whether
    /// every required count was present.
    /// </summary>
    public bool Read(ref Utf8JsonReader reader, Usage usage, ref bool malformed)
    {
        Span<long> sums = stackalloc long[_keys.Length];
        var found = 0UL;
        ReadObject(ref reader, 0, _allMask, sums, ref found, ref malformed);
        var units = 0UL;
        Span<long> totals = stackalloc long[UsageUnitInfo.Count];
        for (var bits = found; bits != 0; bits &= bits - 1)
        {
            var i = System.Numerics.BitOperations.TrailingZeroCount(bits);
            var unit = (int)_spec.Mappings[i].Dest;
            totals[unit] = totals[unit] > long.MaxValue - sums[i] ? long.MaxValue : totals[unit] + sums[i];
            units |= 1UL << unit;
        }

        for (var bits = units; bits != 0; bits &= bits - 1)
        {
            var unit = System.Numerics.BitOperations.TrailingZeroCount(bits);
            usage.Set((UsageUnit)unit, totals[unit]);
        }

        return (found & _requiredMask) == _requiredMask;
    }

    private void ReadObject(ref Utf8JsonReader reader, int level, ulong candidates, scoped Span<long> sums, ref ulong found, ref bool malformed)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            ulong leaf = 0, deeper = 0;
            for (var bits = candidates; bits != 0; bits &= bits - 1)
            {
                var i = System.Numerics.BitOperations.TrailingZeroCount(bits);
                if (_keys[i] is { } keys && keys.Length > level && reader.ValueTextEquals(keys[level]))
                {
                    if (keys.Length == level + 1)
                    {
                        leaf |= 1UL << i;
                    }
                    else
                    {
                        deeper |= 1UL << i;
                    }
                }
            }

            reader.Read();
            if (leaf != 0)
            {
                ReadCount(ref reader, leaf, sums, ref found, ref malformed);
            }
            else if (deeper != 0 && reader.TokenType == JsonTokenType.StartObject)
            {
                ReadObject(ref reader, level + 1, deeper, sums, ref found, ref malformed);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void ReadCount(ref Utf8JsonReader reader, ulong mappings, scoped Span<long> sums, ref ulong found, ref bool malformed)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return;
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var count) && count >= 0)
                {
                    for (var bits = mappings; bits != 0; bits &= bits - 1)
                    {
                        var i = System.Numerics.BitOperations.TrailingZeroCount(bits);
                        sums[i] = count;
                        found |= 1UL << i;
                    }
                }
                else
                {
                    malformed = true;
                }

                return;
            case JsonTokenType.True or JsonTokenType.False:
                malformed = true;
                return;
            default:
                // A mistyped optional count is skipped, as the catalog's rules say; a required one cannot be billed.
                if ((mappings & _requiredMask) != 0)
                {
                    malformed = true;
                }

                reader.Skip();
                return;
        }
    }

    private static ExtractorSpec? Pick(CatalogProvider provider, UsageWire wire)
    {
        var flavors = provider.ExtractorsByFlavor;
        return wire switch
        {
            UsageWire.OpenAiChat => flavors.GetValueOrDefault("chat")
                                    ?? (flavors.GetValueOrDefault("default") is { } d && Maps(d, "prompt_tokens") ? d : null),
            UsageWire.OpenAiResponses => flavors.GetValueOrDefault("responses"),
            UsageWire.OpenAiEmbeddings => flavors.GetValueOrDefault("embeddings"),
            UsageWire.AnthropicMessages => flavors.GetValueOrDefault("anthropic")
                                           ?? (flavors.GetValueOrDefault("default") is { } d && Maps(d, "cache_read_input_tokens") ? d : null),
            UsageWire.Gemini => flavors.GetValueOrDefault("default") is { } g && g.Root.ToString() == "usageMetadata" ? g : null,
            _ => null,
        };
    }

    /// <summary>Whether the extractor reads <paramref name="key"/> at the top of its usage object (tells OpenAI-shaped "default" flavours apart).</summary>
    private static bool Maps(ExtractorSpec spec, string key) =>
        spec.Mappings.Any(m => m.Path.Steps.Length == 1 && m.Path.Steps[0].Key == key);
}
