using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Forecasting;
using Tollgate.Ledger;

namespace Tollgate.Tests.Forecasting;

public sealed class BudgetRunOutEstimatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Estimate_KnownSpendRate_PercentilesMatchASimulationOfTheProcess()
    {
        // Spend per hour is uniform on [0.5, 1.5] (mean $1/h); $60 remain, the window resets in 7 days.
        var random = new Random(42);
        var history = Enumerable.Range(0, 14 * 24).Select(_ => 0.5 + random.NextDouble()).ToArray();

        var runOut = BudgetRunOutEstimator.Estimate(60, Now, Now.AddDays(7), history)!;

        // The reference: the generating process itself, simulated 20 000 times.
        var truth = new double[20_000];
        for (var i = 0; i < truth.Length; i++)
        {
            double spent = 0, hours = 0;
            while (true)
            {
                var rate = 0.5 + random.NextDouble();
                if (spent + rate >= 60)
                {
                    truth[i] = hours + ((60 - spent) / rate);
                    break;
                }

                spent += rate;
                hours++;
            }
        }

        Array.Sort(truth);
        Assert.Equal(1.0, runOut.ProbabilityBeforeReset);
        Assert.InRange((runOut.P10!.Value - Now).TotalHours, truth[2_000] - 1.5, truth[2_000] + 1.5);
        Assert.InRange((runOut.P50!.Value - Now).TotalHours, truth[10_000] - 1.5, truth[10_000] + 1.5);
        Assert.InRange((runOut.P90!.Value - Now).TotalHours, truth[18_000] - 1.5, truth[18_000] + 1.5);
        Assert.True(runOut.P10 < runOut.P50 && runOut.P50 < runOut.P90);
    }

    [Fact]
    public void Estimate_DailyRhythm_RunsOutDuringBusyHours()
    {
        // $10 an hour from 09:00 to 17:00 UTC, nothing otherwise; $25 remain at 12:00: gone at 14:30.
        var start = Now.AddDays(-7);
        var history = Enumerable.Range(0, 7 * 24).Select(i => start.AddHours(i).Hour is >= 9 and < 17 ? 10.0 : 0.0).ToArray();

        var runOut = BudgetRunOutEstimator.Estimate(25, Now, Now.AddDays(1), history)!;

        Assert.Equal(Now.AddHours(2.5), runOut.P50);
        Assert.Equal(runOut.P10, runOut.P90);

        // $100 remain: $50 by 17:00 today, then 09:00-14:00 tomorrow, after the reset at 12:00 tomorrow: not before the reset.
        var later = BudgetRunOutEstimator.Estimate(100, Now, Now.AddDays(1), history)!;
        Assert.Null(later.P50);
        Assert.Equal(0.0, later.ProbabilityBeforeReset);
    }

    [Fact]
    public void Estimate_NoSpendHistory_Null()
    {
        Assert.Null(BudgetRunOutEstimator.Estimate(10, Now, Now.AddDays(1), new double[48]));
        Assert.Null(BudgetRunOutEstimator.Estimate(10, Now, Now.AddDays(1), [1.0, 2.0]));
    }

    [Fact]
    public void Estimate_NothingRemaining_RunOutNow()
    {
        var runOut = BudgetRunOutEstimator.Estimate(0, Now, Now.AddDays(1), new double[48])!;

        Assert.Equal(Now, runOut.P50);
        Assert.Equal(1.0, runOut.ProbabilityBeforeReset);
    }

    [Fact]
    public async Task ProjectAsync_SeededLedger_UsesTheScopeSpendOnly()
    {
        var ledger = new InMemoryLedgerStore();
        var records = new List<UsageRecord>();
        for (var h = 1; h <= 14 * 24; h++)
        {
            records.Add(Record($"a{h}", Now.AddHours(-h).AddMinutes(10), "acme", 2m));
            records.Add(Record($"b{h}", Now.AddHours(-h).AddMinutes(20), "other", 50m));
        }

        await ledger.AppendAsync(records, TestContext.Current.CancellationToken);
        var budget = new Budget { Id = "acme", Limit = 100m, Scope = new BudgetScope { Tenant = "acme" }, Period = BudgetPeriod.Lifetime };
        var status = new BudgetStatus
        {
            Budget = budget,
            Window = BudgetWindows.Current(budget, Now),
            EffectiveLimit = 100m,
            RolledOver = 0m,
            Spent = 40m,
            Held = 0m,
        };

        var runOut = (await BudgetRunOutProjection.ProjectAsync([status], ledger, FixedExchangeRates.UsdOnly, Now, TestContext.Current.CancellationToken))["acme"];

        // $60 remain at $2 an hour: 30 hours, whichever hours are drawn.
        Assert.Equal(Now.AddHours(30), runOut.P50);
        Assert.Equal(Now.AddHours(30), runOut.P10);
        Assert.Equal(14 * 24, runOut.HistoryHours);
    }

    private static UsageRecord Record(string id, DateTimeOffset at, string tenant, decimal cost) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Tenant = tenant,
        Usage = new Usage { InputTokens = 10, OutputTokens = 10 },
        InputCost = cost / 2,
        OutputCost = cost / 2,
        TotalCost = cost,
    };
}
