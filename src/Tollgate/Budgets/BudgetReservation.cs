using System.Globalization;

namespace Tollgate.Budgets;

/// <summary>
/// A hold placed by <see cref="IBudgetGate.ReserveAsync"/>; pass it to <see cref="IBudgetGate.SettleAsync"/>
/// once the call ends (also when it failed or was cancelled: settle to what the provider billed, possibly 0).
/// </summary>
public sealed class BudgetReservation
{
    private readonly string? _idPrefix;
    private readonly long _sequence;
    private string? _id;
    private IReadOnlyList<HoldLine>? _lines;
    private decimal[]? _unitsPerUsd;

    internal BudgetReservation(string id, string requestId, HoldLine[] lines, decimal[] unitsPerUsd, decimal worstCase, DateTimeOffset expiresAt)
    {
        _id = id;
        RequestId = requestId;
        _lines = lines;
        _unitsPerUsd = unitsPerUsd;
        WorstCase = worstCase;
        ExpiresAt = expiresAt;
    }

    /// <summary>A hold the gate took directly on in-process counters: id and lines are only built if asked for.</summary>
    internal BudgetReservation(string idPrefix, long sequence, string requestId, BudgetHoldPlan plan, LocalHold? hold, InMemoryBudgetStore store, decimal worstCase, DateTimeOffset expiresAt)
    {
        _idPrefix = idPrefix;
        _sequence = sequence;
        RequestId = requestId;
        Plan = plan;
        Hold = hold;
        Store = store;
        WorstCase = worstCase;
        ExpiresAt = expiresAt;
    }

    public string Id => _id ??= string.Concat(_idPrefix, _sequence.ToString("x", CultureInfo.InvariantCulture));

    public string RequestId { get; }

    /// <summary>One line per budget that applied (empty when none did).</summary>
    public IReadOnlyList<HoldLine> Lines => _lines ??= Plan!.Lines(Hold);

    /// <summary>The worst-case cost held, in USD.</summary>
    public decimal WorstCase { get; }

    /// <summary>When the hold lapses if never settled.</summary>
    public DateTimeOffset ExpiresAt { get; }

    internal decimal[] UnitsPerUsd => _unitsPerUsd ??= Plan!.Rates;

    internal BudgetHoldPlan? Plan { get; }

    internal LocalHold? Hold { get; }

    internal InMemoryBudgetStore? Store { get; }
}
