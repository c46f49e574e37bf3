using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Pricing;
using Tollgate.Reconciliation.Causes;
using Tollgate.Reconciliation.Matching;
using Tollgate.Reconciliation.Reading;

namespace Tollgate.Reconciliation;

/// <summary>
/// Reconciles a provider's usage and cost exports with the ledger: both sides by UTC day × model (the catalog's id)
/// × kind, each difference with its cause, and the capture rate. Reads everything before computing anything: a bad
/// file is the error and nothing is compared.
/// </summary>
public sealed class Reconciler(PriceCatalog catalog, ReconciliationOptions? options = null)
{
    private readonly ReconciliationOptions _options = options ?? new ReconciliationOptions();

    public async ValueTask<AnalyticsOutcome<ReconciliationResult>> RunAsync(ILedgerStore ledger, ReconciliationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(request);
        if (request.From is { } f && request.To is { } t && t <= f)
        {
            return AnalyticsOutcome<ReconciliationResult>.Fail("to must be after from");
        }

        var provider = request.Provider.Trim().ToLowerInvariant();
        var read = ProviderExportReader.Read(provider, request.Usage, request.Costs);
        if (read.Value is not { } export)
        {
            return AnalyticsOutcome<ReconciliationResult>.Fail(read.Error!);
        }

        bool InRange(DateOnly day)
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return (request.From is null || start.AddDays(1) > request.From) && (request.To is null || start < request.To);
        }

        var names = new ModelNames(catalog, provider);
        var cells = new Dictionary<(DateOnly, string), Cell>();
        Cell At(DateOnly day, string model)
        {
            if (!cells.TryGetValue((day, model), out var cell))
            {
                cell = new Cell(day, model);
                cells[(day, model)] = cell;
            }

            return cell;
        }

        foreach (var row in export.Usage.Where(r => InRange(r.Day)))
        {
            if (names.Canonical(row.Model) is not { } model)
            {
                return AnalyticsOutcome<ReconciliationResult>.Fail(
                    $"{row.Source}: unknown model — {names.Unknown(row.Model)}. Give it a price (a price override file) so both sides can be matched, or leave its rows out");
            }

            var cell = At(row.Day, model);
            cell.Provider.Add(row);
            if (row.Batch)
            {
                cell.Batch.Add(row);
            }

            if (row.IsPriority)
            {
                cell.Priority.Add(row);
            }
        }

        var days = export.UsageDays.Where(InRange).ToHashSet();
        var hasCosts = request.Costs.Count > 0;
        var costDays = hasCosts ? export.CostDays.Where(days.Contains).ToHashSet() : [];
        var splitWrites = export.Usage.Any(r => r.CacheWrite5m > 0 || r.CacheWrite1h > 0);
        foreach (var ((day, model), tally) in await LedgerSide.ReadAsync(ledger, provider, days, names, splitWrites, provider == "openai" ? ["embeddings"] : [], cancellationToken))
        {
            At(day, model).Ledger.Add(tally);
        }

        var modelCells = cells.Values.ToList();
        var costs = export.Costs.Where(c => costDays.Contains(c.Day)).ToList();
        var byModel = costs.Any(c => c.Model is not null && names.Canonical(c.Model) is not null);
        if (byModel)
        {
            foreach (var cost in costs)
            {
                At(cost.Day, cost.Model is null ? Cell.Unattributed : names.Canonical(cost.Model) ?? Cell.Unattributed).Provider.CostNanos += cost.Nanos;
            }

            foreach (var cell in cells.Values.Where(c => costDays.Contains(c.Day)))
            {
                cell.ComparesCost = true;
                cell.ComparesTokens = cell.Model != Cell.Unattributed;
            }
        }
        else if (hasCosts)
        {
            foreach (var day in costDays)
            {
                var whole = At(day, Cell.AllModels);
                whole.ComparesCost = true;
                whole.ComparesTokens = false;
                foreach (var cell in modelCells.Where(c => c.Day == day))
                {
                    whole.Ledger.Add(cell.Ledger);
                    whole.Provider.Add(cell.Provider);
                    whole.Batch.Add(cell.Batch);
                    whole.Priority.Add(cell.Priority);
                }

                whole.Provider.CostNanos = costs.Where(c => c.Day == day).Sum(c => c.Nanos);
            }
        }

        var all = cells.Values.OrderBy(c => c.Day).ThenBy(c => c.Model, StringComparer.Ordinal).ToList();
        var prices = new ListPrices(names);
        var causes = new CauseClassifier(prices, _options).Classify(all);
        var differences = new List<ReconciliationDifference>();
        foreach (var cell in all)
        {
            var kinds = new List<ReconcileKind>();
            if (cell.ComparesTokens)
            {
                kinds.AddRange(ReconcileKinds.Tokens);
                if (cell.Provider.HasRequests)
                {
                    kinds.Add(ReconcileKind.Requests);
                }
            }

            if (cell.ComparesCost)
            {
                kinds.Add(ReconcileKind.Cost);
            }

            foreach (var kind in kinds.Where(k => cell.Delta(k) != 0))
            {
                differences.Add(new ReconciliationDifference(cell.Day, cell.Model, kind, cell.Ledger[kind], cell.Provider[kind], causes.GetValueOrDefault(cell, DifferenceCause.Unexplained)));
            }
        }

        var priced = modelCells.Where(c => c.Model is not (Cell.AllModels or Cell.Unattributed)).ToList();
        var ledgerNanos = priced.Where(c => (hasCosts ? costDays : days).Contains(c.Day)).Sum(c => c.Ledger.CostNanos);
        var providerNanos = hasCosts ? costs.Sum(c => c.Nanos) : priced.Sum(c => Money.ToNanos(prices.Cost(c.Model, c.Day, c.Provider)));
        return AnalyticsOutcome<ReconciliationResult>.Ok(new ReconciliationResult
        {
            Provider = provider,
            FirstDay = days.Count == 0 ? null : days.Min(),
            LastDay = days.Count == 0 ? null : days.Max(),
            CaptureRate = CaptureRate(priced, prices),
            ProviderNanos = providerNanos,
            LedgerNanos = ledgerNanos,
            ProviderUsdSource = hasCosts ? "cost_report" : "usage_at_list_prices",
            Differences = differences,
            Cells = all.Count,
        });
    }

    /// <summary>
    /// Σ over models of min(ledger, provider) ÷ Σ provider, both sides' usage at the same list prices: discounts and
    /// price lists do not move it, a shift between days nets out within a model, and one model's surplus cannot hide
    /// another's missing calls. 1 when the provider reports nothing.
    /// </summary>
    private static decimal CaptureRate(List<Cell> cells, ListPrices prices)
    {
        decimal captured = 0, billed = 0;
        foreach (var model in cells.GroupBy(c => c.Model, StringComparer.Ordinal))
        {
            var ledger = model.Sum(c => prices.Cost(c.Model, c.Day, c.Ledger));
            var provider = model.Sum(c => prices.Cost(c.Model, c.Day, c.Provider));
            captured += Math.Min(ledger, provider);
            billed += provider;
        }

        return billed == 0 ? 1m : Math.Round(captured / billed, 6, MidpointRounding.ToZero);
    }
}
