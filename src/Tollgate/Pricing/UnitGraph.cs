using Tollgate.Costing;

namespace Tollgate.Pricing;

/// <summary>
/// The containment order of the unit registry: unit A contains unit B when both are in the same family and
/// every dimension of A is also a dimension of B with the same value (input_tokens contains cache_read_tokens,
/// audio_seconds contains input_audio_seconds). Joins are the unit carrying the union of two compatible units' dimensions.
/// </summary>
internal static class UnitGraph
{
    private const int Count = UsageUnitInfo.Count;

    /// <summary>Bit i of <c>Descendants[u]</c> is set when unit i is strictly contained in unit u.</summary>
    public static readonly ulong[] Descendants = new ulong[Count];

    /// <summary>Number of dimensions per unit (more = more specific).</summary>
    public static readonly int[] Depth = new int[Count];

    /// <summary>For each unit, the compatible, non-comparable pairs of units whose join it is (as bit masks).</summary>
    public static readonly (ulong Left, ulong Right)[][] JoinPairs = new (ulong, ulong)[Count][];

    private static readonly int[,] Joins = new int[Count, Count];

    private static readonly bool[,] Compatible = new bool[Count, Count];

    static UnitGraph()
    {
        var dims = new Dictionary<string, string>[Count];
        for (var i = 0; i < Count; i++)
        {
            dims[i] = DimensionsOf(UsageUnitInfo.Of((UsageUnit)i));
            Depth[i] = dims[i].Count;
        }

        for (var a = 0; a < Count; a++)
        {
            for (var b = 0; b < Count; b++)
            {
                if (a != b && IsSubset(dims[a], dims[b]))
                {
                    Descendants[a] |= 1UL << b;
                }

                Compatible[a, b] = dims[a].All(kv => !dims[b].TryGetValue(kv.Key, out var other) || other == kv.Value);
                Joins[a, b] = -1;
                if (Compatible[a, b])
                {
                    var union = new Dictionary<string, string>(dims[a]);
                    foreach (var kv in dims[b])
                    {
                        union[kv.Key] = kv.Value;
                    }

                    for (var j = 0; j < Count; j++)
                    {
                        if (dims[j].Count == union.Count && IsSubset(dims[j], union))
                        {
                            Joins[a, b] = j;
                            break;
                        }
                    }
                }
            }
        }

        BuildJoinPairs();
    }

    private static void BuildJoinPairs()
    {
        var pairs = new List<(ulong, ulong)>[Count];
        for (var u = 0; u < Count; u++)
        {
            pairs[u] = [];
        }

        for (var a = 0; a < Count; a++)
        {
            for (var b = a + 1; b < Count; b++)
            {
                if (Compatible[a, b] && !AreComparable(a, b) && Joins[a, b] >= 0)
                {
                    pairs[Joins[a, b]].Add((1UL << a, 1UL << b));
                }
            }
        }

        for (var u = 0; u < Count; u++)
        {
            JoinPairs[u] = [.. pairs[u]];
        }
    }

    public static bool Contains(UsageUnit ancestor, UsageUnit descendant) =>
        (Descendants[(int)ancestor] & (1UL << (int)descendant)) != 0;

    public static bool AreComparable(int a, int b) =>
        a == b || (Descendants[a] & (1UL << b)) != 0 || (Descendants[b] & (1UL << a)) != 0;

    public static bool AreCompatible(int a, int b) => Compatible[a, b];

    /// <summary>The registered unit joining two compatible units, or -1.</summary>
    public static int Join(int a, int b) => Joins[a, b];

    private static bool IsSubset(Dictionary<string, string> small, Dictionary<string, string> big) =>
        small.All(kv => big.TryGetValue(kv.Key, out var value) && value == kv.Value);

    private static Dictionary<string, string> DimensionsOf(UsageUnitInfo info)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal) { ["family"] = info.Family };
        if (info.Direction != UsageDirection.None)
        {
            d["direction"] = info.Direction == UsageDirection.Input ? "input" : "output";
        }

        Add(d, "modality", info.Modality);
        Add(d, "token_type", info.TokenType);
        Add(d, "cache_ttl", info.CacheTtl);
        Add(d, "tool_type", info.ToolType);
        Add(d, "page_type", info.PageType);
        return d;
    }

    private static void Add(Dictionary<string, string> d, string key, string? value)
    {
        if (value is not null)
        {
            d[key] = value;
        }
    }
}
