using Microsoft.Extensions.Time.Testing;
using Tollgate.Anomalies.Live;
using Tollgate.Ledger;

namespace Tollgate.Tests.Anomalies;

/// <summary>The live rules over a ledger: expected vs actual, impact and deviation floors, cooldown, root cause, feedback.</summary>
public sealed class LiveAnomalyDetectorTests : IAsyncDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryLedgerStore _ledger = new();
    private int _n;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _ledger.DisposeAsync();

    private static AnomalyRule Rule(AnomalyRuleKind kind, string dimension = "tenant") => new()
    {
        Name = "r",
        Kind = kind,
        Dimension = dimension,
        WindowSeconds = Window.TotalSeconds,
        BaselineWindows = 12,
        MinimumBaselineWindows = 3,
        MinImpact = 1m,
        MinDeviationPercent = 50,
        CooldownSeconds = 3600,
    };

    /// <summary>Twelve windows of steady history: per window, each tenant makes <paramref name="calls"/> calls of $<paramref name="cost"/> on gpt-4o-mini.</summary>
    private async Task SteadyAsync(int calls = 4, decimal cost = 0.5m, params string[] tenants)
    {
        var records = new List<UsageRecord>();
        foreach (var tenant in tenants.Length == 0 ? ["acme", "beta"] : tenants)
        {
            for (var k = 1; k <= 12; k++)
            {
                for (var c = 0; c < calls; c++)
                {
                    records.Add(Record(tenant, "gpt-4o-mini", cost, _time.GetUtcNow() - (Window * k) - TimeSpan.FromSeconds(10 + c)));
                }
            }
        }

        await _ledger.AppendAsync(records, Ct);
    }

    private UsageRecord Record(string tenant, string model, decimal cost, DateTimeOffset at, bool success = true) => new()
    {
        RequestId = "r" + Interlocked.Increment(ref _n),
        Timestamp = at,
        Provider = "openai",
        Model = model,
        Tenant = tenant,
        KeyId = "key_" + tenant,
        TotalCost = cost,
        Success = success,
    };

    private Task NowAsync(string tenant, string model, int calls, decimal cost, bool success = true) =>
        _ledger.AppendAsync(Enumerable.Range(0, calls).Select(i => Record(tenant, model, cost, _time.GetUtcNow() - TimeSpan.FromSeconds(1 + i), success)).ToList(), Ct).AsTask();

    [Fact]
    public async Task CostSpike_OneTenant_FiresWithExpectedActualImpactAndRootCause()
    {
        await SteadyAsync();
        await NowAsync("acme", "gpt-4o-mini", 4, 0.5m);
        await NowAsync("acme", "gpt-4o", 10, 2m);
        await NowAsync("beta", "gpt-4o-mini", 4, 0.5m);
        var detector = new LiveAnomalyDetector(_ledger, [Rule(AnomalyRuleKind.CostSpike)], _time);

        var found = Assert.Single(await detector.EvaluateAsync(Ct));

        Assert.Equal(("acme", 2.0, 22.0, 20m), (found.Value, found.Expected, found.Actual, found.Impact));
        Assert.Equal(("model", "gpt-4o"), (found.CauseDimension, found.CauseValue));
    }

    [Fact]
    public async Task CostSpike_BelowMinimumImpact_Silent()
    {
        await SteadyAsync(cost: 0.01m);
        await NowAsync("acme", "gpt-4o", 10, 0.05m); // 12.5× the baseline but only $0.46 over it
        var detector = new LiveAnomalyDetector(_ledger, [Rule(AnomalyRuleKind.CostSpike)], _time);

        Assert.Empty(await detector.EvaluateAsync(Ct));
    }

    [Fact]
    public async Task CostSpike_StillHigh_NextPass_CooldownKeepsItOneAlert()
    {
        await SteadyAsync();
        await NowAsync("acme", "gpt-4o", 10, 2m);
        var detector = new LiveAnomalyDetector(_ledger, [Rule(AnomalyRuleKind.CostSpike)], _time);

        Assert.Single(await detector.EvaluateAsync(Ct));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await detector.EvaluateAsync(Ct));
    }

    [Fact]
    public async Task NewTenant_WithoutBaseline_NotAnAnomaly()
    {
        await SteadyAsync();
        await NowAsync("newco", "gpt-4o", 10, 2m);
        var detector = new LiveAnomalyDetector(_ledger, [Rule(AnomalyRuleKind.CostSpike)], _time);

        Assert.Empty(await detector.EvaluateAsync(Ct));
    }

    [Fact]
    public async Task MarkedExpected_LevelLearnt_SameLevelSilent_HigherFiresAgain()
    {
        await SteadyAsync();
        await NowAsync("acme", "gpt-4o", 10, 2m);
        var rule = Rule(AnomalyRuleKind.CostSpike);
        rule.CooldownSeconds = 0;
        var detector = new LiveAnomalyDetector(_ledger, [rule], _time);
        var first = Assert.Single(await detector.EvaluateAsync(Ct));

        detector.Learn("r", "acme", first.Actual, _time.GetUtcNow().AddDays(7));

        Assert.Empty(await detector.EvaluateAsync(Ct));
        await NowAsync("acme", "gpt-4o", 40, 2m);
        var again = Assert.Single(await detector.EvaluateAsync(Ct));
        Assert.Equal(first.Actual, again.Expected);
    }

    [Fact]
    public async Task RequestSpike_ByKey_Fires()
    {
        await SteadyAsync();
        await NowAsync("acme", "gpt-4o-mini", 40, 0.5m);
        var detector = new LiveAnomalyDetector(_ledger, [Rule(AnomalyRuleKind.RequestSpike, "key")], _time);

        var found = Assert.Single(await detector.EvaluateAsync(Ct));
        Assert.Equal(("key_acme", 4.0, 40.0), (found.Value, found.Expected, found.Actual));
    }

    [Fact]
    public async Task ZScore_SteadyBaseline_JumpFires()
    {
        await SteadyAsync();
        await NowAsync("beta", "gpt-4o-mini", 12, 0.5m);
        var detector = new LiveAnomalyDetector(_ledger, [Rule(AnomalyRuleKind.ZScore)], _time);

        Assert.Equal("beta", Assert.Single(await detector.EvaluateAsync(Ct)).Value);
    }

    [Fact]
    public async Task ErrorRateSpike_ByModel_FiresWithTenantAsCause()
    {
        await SteadyAsync();
        await NowAsync("acme", "gpt-4o-mini", 2, 0.5m);
        await NowAsync("beta", "gpt-4o-mini", 6, 0.5m, success: false);
        var rule = Rule(AnomalyRuleKind.ErrorRateSpike, "model");
        rule.MinImpact = 0;
        var detector = new LiveAnomalyDetector(_ledger, [rule], _time);

        var found = Assert.Single(await detector.EvaluateAsync(Ct));
        Assert.Equal(("gpt-4o-mini", 0.0, 0.75), (found.Value, found.Expected, found.Actual));
        Assert.Equal(("tenant", "beta"), (found.CauseDimension, found.CauseValue));
    }

    [Fact]
    public async Task Pattern_OnlineDetectorScore_JumpFires_SteadySilent()
    {
        await SteadyAsync();
        await NowAsync("acme", "gpt-4o", 10, 2m);
        await NowAsync("beta", "gpt-4o-mini", 4, 0.5m);
        var detector = new LiveAnomalyDetector(_ledger, [Rule(AnomalyRuleKind.Pattern)], _time);

        Assert.Equal("acme", Assert.Single(await detector.EvaluateAsync(Ct)).Value);
    }

    [Fact]
    public void Validate_ThrottleOnModelDimension_SaysWhatToFix()
    {
        var rule = Rule(AnomalyRuleKind.CostSpike, "model");
        rule.Response = Tollgate.Alerts.Responses.ResponseAction.Throttle;

        var ex = Assert.Throws<ArgumentException>(rule.Validate);
        Assert.Contains("needs dimension tenant, project or key", ex.Message, StringComparison.Ordinal);
    }
}
