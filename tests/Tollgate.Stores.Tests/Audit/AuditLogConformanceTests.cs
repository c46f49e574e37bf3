using Tollgate.Audit;

namespace Tollgate.Stores.Tests.Audit;

/// <summary>What every <see cref="IAuditLog"/> must do: append with ids, read back by time range, newest first, limited.</summary>
public abstract class AuditLogConformanceTests
{
    protected static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    protected abstract Task<IAuditLog> CreateAsync();

    private static AuditEntry Entry(int minute, string action, string? before = null, string? after = null) => new()
    {
        At = T0.AddMinutes(minute),
        Actor = "key_admin",
        Action = action,
        Target = "t" + minute,
        Before = before,
        After = after,
    };

    [Fact]
    public async Task Record_ThenQuery_NewestFirstWithEverythingKept()
    {
        var log = await CreateAsync();
        var first = await log.RecordAsync(Entry(0, "budget.set", null, """{"limit":"10"}"""), TestContext.Current.CancellationToken);
        var second = await log.RecordAsync(Entry(1, "budget.set", """{"limit":"10"}""", """{"limit":"12.5"}"""), TestContext.Current.CancellationToken);
        await log.RecordAsync(Entry(2, "budget.delete", """{"limit":"12.5"}""", null), TestContext.Current.CancellationToken);

        var all = await log.QueryAsync(new AuditQuery(), TestContext.Current.CancellationToken);

        Assert.True(second.Id > first.Id);
        Assert.Equal(["budget.delete", "budget.set", "budget.set"], all.Select(e => e.Action));
        var middle = all[1];
        Assert.Equal(second.Id, middle.Id);
        Assert.Equal(T0.AddMinutes(1), middle.At);
        Assert.Equal("key_admin", middle.Actor);
        Assert.Equal("t1", middle.Target);
        Assert.Equal("""{"limit":"10"}""", middle.Before);
        Assert.Equal("""{"limit":"12.5"}""", middle.After);
        Assert.Null(all[0].After);
        Assert.Null(all[2].Before);
    }

    [Fact]
    public async Task Query_RangeAndLimit_FromInclusiveToExclusive()
    {
        var log = await CreateAsync();
        for (var minute = 0; minute < 5; minute++)
        {
            await log.RecordAsync(Entry(minute, "key.create"), TestContext.Current.CancellationToken);
        }

        var range = await log.QueryAsync(new AuditQuery(T0.AddMinutes(1), T0.AddMinutes(3)), TestContext.Current.CancellationToken);
        var newest = await log.QueryAsync(new AuditQuery(Limit: 2), TestContext.Current.CancellationToken);

        Assert.Equal(["t2", "t1"], range.Select(e => e.Target));
        Assert.Equal(["t4", "t3"], newest.Select(e => e.Target));
    }
}

public sealed class InMemoryAuditLogTests : AuditLogConformanceTests
{
    protected override Task<IAuditLog> CreateAsync() => Task.FromResult<IAuditLog>(new InMemoryAuditLog());
}
