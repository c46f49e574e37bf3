using System.Collections.Frozen;

namespace Tollgate.Costing;

/// <summary>What a <see cref="UsageUnit"/> is: its usage key, price key, how many counts one price covers, and its dimensions.</summary>
public sealed partial record UsageUnitInfo(
    UsageUnit Unit,
    string Key,
    string PriceKey,
    long Per,
    UsageDirection Direction,
    string Family,
    string? Modality,
    string? TokenType,
    string? CacheTtl,
    string? ToolType,
    string? PageType)
{
    /// <summary>Number of units in the registry.</summary>
    public const int Count = 59;

    private static readonly FrozenDictionary<string, UsageUnit> ByKey;
    private static readonly FrozenDictionary<string, UsageUnit> ByPriceKey;

    // A static constructor runs after the field initialisers of every partial file, whatever their order.
#pragma warning disable CA1810
    static UsageUnitInfo()
    {
        ByKey = Registry.ToFrozenDictionary(u => u.Key, u => u.Unit, StringComparer.Ordinal);
        ByPriceKey = Registry.ToFrozenDictionary(u => u.PriceKey, u => u.Unit, StringComparer.Ordinal);
    }
#pragma warning restore CA1810

    /// <summary>All units in registry order.</summary>
    public static IReadOnlyList<UsageUnitInfo> All => Registry;

    public static UsageUnitInfo Of(UsageUnit unit) => Registry[(int)unit];

    /// <summary>Finds a unit by its usage key (e.g. <c>cache_read_tokens</c>).</summary>
    public static bool TryFromKey(string key, out UsageUnit unit) => ByKey.TryGetValue(key, out unit);

    /// <summary>Finds a unit by its price key (e.g. <c>cache_read_mtok</c>).</summary>
    public static bool TryFromPriceKey(string priceKey, out UsageUnit unit) => ByPriceKey.TryGetValue(priceKey, out unit);
}
