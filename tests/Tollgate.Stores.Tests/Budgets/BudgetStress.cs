using Tollgate.Budgets;

namespace Tollgate.Stores.Tests.Budgets;

/// <summary>Drives many concurrent reserve/settle callers against one gate until the budget is exhausted by spend.</summary>
internal static class BudgetStress
{
    public sealed record Result(decimal SettledTotal, int Allowed, int Refusals);

    public static async Task<Result> RunAsync(IBudgetGate gate, int callers, decimal worst, CancellationToken cancellationToken)
    {
        long settledNanos = 0;
        int allowed = 0, refusals = 0;
        var subject = new BudgetSubject { Tenant = "t", User = "u" };
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, callers).Select(async n =>
        {
            await start.WaitAsync(cancellationToken);
            var random = new Random(n);
            for (var attempt = 0; attempt < 10_000; attempt++)
            {
                var d = await gate.ReserveAsync(subject, worst, $"req-{n}-{attempt}", cancellationToken: cancellationToken);
                if (d.Allowed)
                {
                    Interlocked.Increment(ref allowed);
                    await Task.Yield();
                    var actual = decimal.Round(worst * random.Next(10, 101) / 100m, 9);
                    await gate.SettleAsync(d.Reservation!, actual, cancellationToken);
                    Interlocked.Add(ref settledNanos, Tollgate.Costing.Money.ToNanos(actual));
                    return;
                }

                Interlocked.Increment(ref refusals);

                // Refused by spend alone: the budget really is exhausted for this caller.
                if (d.Trip!.Limit - d.Trip.Spent < worst)
                {
                    return;
                }

                await Task.Delay(random.Next(1, 4), cancellationToken);
            }

            throw new InvalidOperationException("caller never finished");
        }).ToList();
        start.Release(callers);
        await Task.WhenAll(tasks);
        return new Result(Tollgate.Costing.Money.FromNanos(settledNanos), allowed, refusals);
    }
}
