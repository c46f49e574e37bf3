using Tollgate.Alerts;
using Tollgate.Budgets;
using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Analytics;

/// <summary>Where a <see cref="SystemOverview"/> reads from: the ledger, budgets, alert history and provider state of one host.</summary>
public sealed record SystemOverviewSources
{
    public required ILedgerStore Ledger { get; init; }

    /// <summary>The budgets' statuses now (the host's own gate, so held amounts are its counters').</summary>
    public required Func<CancellationToken, ValueTask<IReadOnlyList<BudgetStatus>>> Budgets { get; init; }

    public required IExchangeRateSource Rates { get; init; }

    public required IAlertHistory Alerts { get; init; }

    public required Func<CancellationToken, ValueTask<EmergencyState?>> Emergency { get; init; }

    public required Func<CancellationToken, ValueTask<ProviderState>> LoadProviderState { get; init; }

    /// <summary>The providers the host serves (listed even without calls this month); empty for the CLI.</summary>
    public IReadOnlyList<string> ConfiguredProviders { get; init; } = [];

    /// <summary>The live health of a provider, where the host has it (the gateway).</summary>
    public Func<string, HealthSnapshot>? Health { get; init; }
}
