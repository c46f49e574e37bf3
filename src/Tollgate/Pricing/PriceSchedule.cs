using System.Text.Json;

namespace Tollgate.Pricing;

/// <summary>
/// A model's prices over time: one plain price set, or a list of constrained sets. For a timestamp the list is
/// scanned from the last entry to the first and the first whose constraint is absent or active wins; when none
/// is active, entry 0 applies.
/// </summary>
public sealed class PriceSchedule
{
    private readonly ConditionalPrice[] _entries;

    public PriceSchedule(ModelPrice prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        _entries = [new ConditionalPrice(null, prices)];
    }

    public PriceSchedule(IEnumerable<ConditionalPrice> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = [.. entries];
        if (_entries.Length == 0)
        {
            throw new ArgumentException("A price schedule needs at least one price set.", nameof(entries));
        }

        IsConditional = true;
    }

    /// <summary>The entries in catalog order.</summary>
    public IReadOnlyList<ConditionalPrice> Entries => _entries;

    /// <summary>False for a single plain price set.</summary>
    public bool IsConditional { get; }

    /// <summary>The price set in force at <paramref name="timestamp"/>.</summary>
    public ModelPrice At(DateTimeOffset timestamp)
    {
        for (var i = _entries.Length - 1; i >= 0; i--)
        {
            var constraint = _entries[i].Constraint;
            if (constraint is null || constraint.IsActive(timestamp))
            {
                return _entries[i].Prices;
            }
        }

        return _entries[0].Prices;
    }

    internal static PriceSchedule Parse(JsonElement element, string where)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            return new PriceSchedule(ModelPrice.Parse(element, where));
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{where}: prices must be an object or a list of {{constraint, prices}}.");
        }

        var entries = new List<ConditionalPrice>();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var at = $"{where}[{index++}]";
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("prices", out var prices))
            {
                throw new FormatException($"{at}: each entry needs 'prices'.");
            }

            PriceConstraint? constraint = null;
            if (item.TryGetProperty("constraint", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                constraint = PriceConstraint.Parse(c, $"{at}.constraint");
            }

            entries.Add(new ConditionalPrice(constraint, ModelPrice.Parse(prices, $"{at}.prices")));
        }

        if (entries.Count == 0)
        {
            throw new FormatException($"{where}: the price list is empty.");
        }

        return new PriceSchedule(entries);
    }
}
