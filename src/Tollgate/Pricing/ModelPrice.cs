using System.Collections.Frozen;
using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Pricing;

/// <summary>
/// One set of prices for a model (genai-prices <c>ModelPrice</c>): a <see cref="PriceRate"/> per priced unit.
/// Computes a call's cost with containment: among the units this set prices, most specific first, a unit's own
/// count is its reported value minus the own counts of the priced units it contains (uncached input = input −
/// cache read − cache write). Units it has no price for are neither billed nor subtracted.
/// </summary>
public sealed class ModelPrice
{
    private readonly PriceRate?[] _rates = new PriceRate?[UsageUnitInfo.Count];

    // Priced units other than requests, most specific first (then by usage key), and for each the positions
    // (in that same order) of the priced units it contains.
    private readonly int[] _order;
    private readonly int[][] _containedPositions;
    private readonly UsageDirection[] _directions;
    private readonly PriceRate?[] _orderedRates;
    private readonly PriceRate? _requests;

    public ModelPrice(IReadOnlyDictionary<UsageUnit, PriceRate> rates)
    {
        ArgumentNullException.ThrowIfNull(rates);
        foreach (var (unit, rate) in rates)
        {
            if (rate.Per != UsageUnitInfo.Of(unit).Per)
            {
                throw new ArgumentException($"The rate for {UsageUnitInfo.Of(unit).PriceKey} must be per {UsageUnitInfo.Of(unit).Per}.", nameof(rates));
            }

            _rates[(int)unit] = rate;
        }

        Rates = rates.ToFrozenDictionary();
        _requests = _rates[(int)UsageUnit.Requests];
        _order = [.. rates.Keys
            .Where(u => u != UsageUnit.Requests)
            .Select(u => (int)u)
            .OrderByDescending(u => UnitGraph.Depth[u])
            .ThenBy(u => UsageUnitInfo.Of((UsageUnit)u).Key, StringComparer.Ordinal)];
        _directions = [.. _order.Select(u => UsageUnitInfo.Of((UsageUnit)u).Direction)];
        _orderedRates = [.. _order.Select(u => _rates[u])];
        _containedPositions = new int[_order.Length][];
        for (var i = 0; i < _order.Length; i++)
        {
            var contained = new List<int>();
            for (var j = 0; j < _order.Length; j++)
            {
                if (UnitGraph.Contains((UsageUnit)_order[i], (UsageUnit)_order[j]))
                {
                    contained.Add(j);
                }
            }

            _containedPositions[i] = [.. contained];
        }

        InvalidReason = Validate();
        HasTiers = rates.Values.Any(r => r.IsTiered);
    }

    /// <summary>The rate of each priced unit.</summary>
    public IReadOnlyDictionary<UsageUnit, PriceRate> Rates { get; }

    /// <summary>True when any rate has tiers.</summary>
    public bool HasTiers { get; }

    /// <summary>
    /// Why this price set cannot price anything (a priced unit whose containing unit or join with another priced
    /// unit has no price, which would make containment ambiguous); null when valid.
    /// </summary>
    public string? InvalidReason { get; }

    /// <summary>Price keys present in the source that this version of the unit registry does not know (ignored).</summary>
    public IReadOnlyList<string> IgnoredPriceKeys { get; private init; } = [];

    public PriceRate? this[UsageUnit unit] => _rates[(int)unit];

    /// <summary>
    /// Cost of a call into a struct, allocating nothing: the fast path once a model is resolved.
    /// Unpriceable usage (inconsistent counts) gives <see cref="CallCost.Priced"/> = false.
    /// </summary>
    public CallCost ComputeCost(Usage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return ComputeCost(usage, usage[UsageUnit.InputTokens]);
    }

    /// <summary>
    /// As <see cref="ComputeCost(Usage)"/> with the tiers chosen for <paramref name="tierInputTokens"/> input tokens instead
    /// of the usage's own: summed usage of calls that each stayed below the tiers is priced at <c>0</c>.
    /// </summary>
    internal CallCost ComputeCost(Usage usage, long tierInputTokens)
    {
        ArgumentNullException.ThrowIfNull(usage);
        if (InvalidReason is not null)
        {
            return default;
        }

        Span<long> leaves = stackalloc long[_order.Length];
        if (!TryComputeLeaves(usage, leaves, out _))
        {
            return default;
        }

        return TryComputeFixed(usage, leaves, tierInputTokens, out var fixedCost) ? fixedCost : ComputeDecimal(usage, leaves, tierInputTokens);
    }

    // Exact integer arithmetic in 10^-24 units: an order of magnitude cheaper than decimal multiply/add chains.
    private bool TryComputeFixed(Usage usage, ReadOnlySpan<long> leaves, long totalInput, out CallCost cost)
    {
        Int128 input = 0, output = 0, undirected = 0;
        var rates = _orderedRates;
        var directions = _directions;
        for (var i = 0; i < rates.Length; i++)
        {
            var rate = rates[i]!;
            if (!rate.TryFixedCost(leaves[i], rate.IndexFor(totalInput), out var unitCost))
            {
                cost = default;
                return false;
            }

            switch (directions[i])
            {
                case UsageDirection.Input:
                    input += unitCost;
                    break;
                case UsageDirection.Output:
                    output += unitCost;
                    break;
                default:
                    undirected += unitCost;
                    break;
            }
        }

        if (_requests is not null)
        {
            if (!_requests.TryFixedCost(RequestCount(usage), _requests.IndexFor(totalInput), out var requestCost))
            {
                cost = default;
                return false;
            }

            undirected += requestCost;
        }

        if (PriceRate.TryFixedToDecimal(input, out var inputAmount)
            && PriceRate.TryFixedToDecimal(output, out var outputAmount)
            && PriceRate.TryFixedToDecimal(input + output + undirected, out var totalAmount))
        {
            cost = new CallCost(true, inputAmount, outputAmount, totalAmount);
            return true;
        }

        cost = default;
        return false;
    }

    private CallCost ComputeDecimal(Usage usage, ReadOnlySpan<long> leaves, long totalInput)
    {
        decimal input = 0, output = 0, undirected = 0;
        var rates = _orderedRates;
        var directions = _directions;
        for (var i = 0; i < rates.Length; i++)
        {
            var cost = rates[i]!.CostOf(leaves[i], totalInput);
            switch (directions[i])
            {
                case UsageDirection.Input:
                    input += cost;
                    break;
                case UsageDirection.Output:
                    output += cost;
                    break;
                default:
                    undirected += cost;
                    break;
            }
        }

        if (_requests is not null)
        {
            undirected += _requests.CostOf(RequestCount(usage), totalInput);
        }

        var total = input + output + undirected;
        return new CallCost(true, input, output, total);
    }

    /// <summary>
    /// The full breakdown: per-unit own counts, rates (after tier selection) and costs, in USD, before any
    /// discount or conversion. An unpriceable usage returns <c>false</c> with the reason.
    /// </summary>
    public bool TryComputeBreakdown(Usage usage, out IReadOnlyList<UnitCost> units, out CallCost cost, out string? error)
    {
        ArgumentNullException.ThrowIfNull(usage);
        units = [];
        cost = default;
        if (InvalidReason is not null)
        {
            error = InvalidReason;
            return false;
        }

        Span<long> leaves = stackalloc long[_order.Length];
        if (!TryComputeLeaves(usage, leaves, out var problem))
        {
            error = problem.Describe();
            return false;
        }

        var totalInput = usage[UsageUnit.InputTokens];
        var list = new List<UnitCost>(_order.Length + 1);
        decimal input = 0, output = 0, total = 0;
        for (var i = 0; i < _order.Length; i++)
        {
            var unit = (UsageUnit)_order[i];
            var rate = _rates[(int)unit]!;
            var unitCost = rate.CostOf(leaves[i], totalInput);
            list.Add(new UnitCost(unit, leaves[i], rate.RateFor(totalInput), unitCost));
            total += unitCost;
            switch (UsageUnitInfo.Of(unit).Direction)
            {
                case UsageDirection.Input:
                    input += unitCost;
                    break;
                case UsageDirection.Output:
                    output += unitCost;
                    break;
            }
        }

        if (_requests is not null)
        {
            var requests = RequestCount(usage);
            var requestCost = _requests.CostOf(requests, totalInput);
            list.Add(new UnitCost(UsageUnit.Requests, requests, _requests.RateFor(totalInput), requestCost));
            total += requestCost;
        }

        list.Sort((a, b) => a.Unit.CompareTo(b.Unit));
        units = list;
        cost = new CallCost(true, input, output, total);
        error = null;
        return true;
    }

    /// <summary>Parses a genai-prices <c>ModelPrice</c> object (price key → number or tiered price).</summary>
    public static ModelPrice Parse(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where}: prices must be an object of price keys.");
        }

        var rates = new Dictionary<UsageUnit, PriceRate>();
        var ignored = new List<string>();
        foreach (var property in element.EnumerateObject())
        {
            if (!UsageUnitInfo.TryFromPriceKey(property.Name, out var unit))
            {
                // Newer catalogs may add units; like genai-prices clients we drop a key we cannot price, and say so.
                ignored.Add(property.Name);
                continue;
            }

            rates[unit] = PriceRate.Parse(property.Value, UsageUnitInfo.Of(unit).Per, $"{where}.{property.Name}");
        }

        return new ModelPrice(rates) { IgnoredPriceKeys = ignored };
    }

    // A call's request count: the price is per request, and one call is one request unless the caller reported more.
    private static long RequestCount(Usage usage) =>
        usage.IsReported(UsageUnit.Requests) && usage.Requests > 0 ? usage.Requests : 1;

    private bool TryComputeLeaves(Usage usage, Span<long> leaves, out UsageProblem problem)
    {
        for (var i = 0; i < _order.Length; i++)
        {
            var unit = _order[i];
            if (!TryGetUsageValue(usage, unit, out var value, out problem))
            {
                return false;
            }

            long contained = 0;
            foreach (var position in _containedPositions[i])
            {
                contained += leaves[position];
            }

            var leaf = value - contained;
            if (leaf < 0)
            {
                problem = new UsageProblem(UsageProblemKind.ContainedExceedsTotal, unit, -1, value, contained);
                return false;
            }

            leaves[i] = leaf;
        }

        problem = default;
        return true;
    }

    // A reported unit reads as its value; an unreported one reads as 0 unless a more specific unit (or two
    // overlapping ones whose join it is) was reported above 0, in which case its total is unknown.
    private static bool TryGetUsageValue(Usage usage, int unit, out long value, out UsageProblem problem)
    {
        problem = default;
        if (usage.IsReported((UsageUnit)unit))
        {
            value = usage[(UsageUnit)unit];
            return true;
        }

        value = 0;
        var positive = usage.PositiveMask;
        if (positive == 0)
        {
            return true;
        }

        var descendants = UnitGraph.Descendants[unit] & positive;
        if (descendants != 0)
        {
            problem = new UsageProblem(UsageProblemKind.MissingTotal, unit, System.Numerics.BitOperations.TrailingZeroCount(descendants), 0, 0);
            return false;
        }

        foreach (var (left, right) in UnitGraph.JoinPairs[unit])
        {
            if ((positive & left) != 0 && (positive & right) != 0)
            {
                problem = new UsageProblem(
                    UsageProblemKind.MissingJoin,
                    unit,
                    System.Numerics.BitOperations.TrailingZeroCount(left),
                    System.Numerics.BitOperations.TrailingZeroCount(right),
                    0);
                return false;
            }
        }

        return true;
    }

    private string? Validate()
    {
        foreach (var unit in _order)
        {
            for (var other = 0; other < UsageUnitInfo.Count; other++)
            {
                if (UnitGraph.Contains((UsageUnit)other, (UsageUnit)unit) && _rates[other] is null)
                {
                    return $"price {UsageUnitInfo.Of((UsageUnit)unit).PriceKey} needs a price for the unit containing it, {UsageUnitInfo.Of((UsageUnit)other).PriceKey}";
                }
            }
        }

        for (var i = 0; i < _order.Length; i++)
        {
            for (var j = i + 1; j < _order.Length; j++)
            {
                var (a, b) = (_order[i], _order[j]);
                if (!UnitGraph.AreCompatible(a, b))
                {
                    continue;
                }

                var join = UnitGraph.Join(a, b);
                if (join < 0 || _rates[join] is null)
                {
                    var joinKey = join < 0 ? "(no registered unit)" : UsageUnitInfo.Of((UsageUnit)join).PriceKey;
                    return $"prices {UsageUnitInfo.Of((UsageUnit)a).PriceKey} and {UsageUnitInfo.Of((UsageUnit)b).PriceKey} overlap and need a price for {joinKey}";
                }
            }
        }

        return null;
    }

    private enum UsageProblemKind
    {
        None,
        ContainedExceedsTotal,
        MissingTotal,
        MissingJoin,
    }

    private readonly record struct UsageProblem(UsageProblemKind Kind, int Unit, long Other, long Value, long Contained)
    {
        public string Describe()
        {
            var key = UsageUnitInfo.Of((UsageUnit)Unit).Key;
            return Kind switch
            {
                UsageProblemKind.ContainedExceedsTotal =>
                    $"inconsistent usage: the more specific units inside {key} total {Contained}, which exceeds {key} ({Value})",
                UsageProblemKind.MissingTotal =>
                    $"inconsistent usage: {UsageUnitInfo.Of((UsageUnit)Other).Key} was reported but {key}, which contains it, was not",
                UsageProblemKind.MissingJoin =>
                    $"inconsistent usage: {UsageUnitInfo.Of((UsageUnit)Other).Key} and {UsageUnitInfo.Of((UsageUnit)Value).Key} overlap but {key} was not reported",
                _ => "usage could not be priced",
            };
        }
    }
}
