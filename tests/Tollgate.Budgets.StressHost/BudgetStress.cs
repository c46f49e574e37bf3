using Tollgate.Budgets;
using Tollgate.Costing;

namespace Tollgate.Budgets.StressHost;

/// <summary>Drives many concurrent reserve/settle callers against one gate until the budget is exhausted by spend.</summary>
public static class BudgetStress
{
    public sealed record Result(decimal SettledTotal, int Allowed, int Refusals);

    /// <summary>
    /// Each caller reserves <paramref name="worst"/>, settles a random actual in [10 %, 100 %] of it, and
    /// retries a refusal while in-flight holds (not spend) caused it; it stops once spend alone leaves less
    /// than one worst case.
    /// </summary>
    public static async Task<Result> RunAsync(IBudgetGate gate, int callers, decimal worst, CancellationToken cancellationToken, int seed = 0)
    {
        long settledNanos = 0;
        int allowed = 0, refusals = 0;
        var subject = new BudgetSubject { Tenant = "t", User = "u" };
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, callers).Select(async n =>
        {
            await start.WaitAsync(cancellationToken);
            var random = new Random(seed + n);
            for (var attempt = 0; attempt < 10_000; attempt++)
            {
                var d = await gate.ReserveAsync(subject, worst, $"req-{seed}-{n}-{attempt}", cancellationToken: cancellationToken);
                if (d.Allowed)
                {
                    Interlocked.Increment(ref allowed);
                    await Task.Yield();
                    var actual = decimal.Round(worst * random.Next(10, 101) / 100m, 9);
                    await gate.SettleAsync(d.Reservation!, actual, cancellationToken);
                    Interlocked.Add(ref settledNanos, Money.ToNanos(actual));
                    return;
                }

                Interlocked.Increment(ref refusals);
                if (d.Trip!.Limit - d.Trip.Spent < worst)
                {
                    return;
                }

                // In-flight holds will settle below their worst case soon: wait a moment, then try again.
                await Task.Delay(random.Next(2, 12), cancellationToken);
            }

            throw new InvalidOperationException("caller never finished");
        }).ToList();
        start.Release(callers);
        await Task.WhenAll(tasks);
        return new Result(Money.FromNanos(settledNanos), allowed, refusals);
    }
}
