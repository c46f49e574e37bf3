using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;
using Tollgate.Budgets;
using Tollgate.Extensions.AI;
using Tollgate.Ledger;
using Tollgate.Pricing;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace Tollgate.Gateway.Tests.ExtensionsAI;

/// <summary>
/// Budget scenarios through both doors — the gateway with the official OpenAI .NET SDK, the middleware through
/// <see cref="IChatClient"/> — each door on its own tenant with the same budgets: the same decisions, the same records.
/// </summary>
public sealed class DoorParityBudgetTests
{
    private const string AppTenant = "acme-app";

    // gpt-4o-mini: 0.15 input / 0.60 output USD per million; both doors report 5 input and 10 output tokens.
    private const decimal CallCost = ((5 * 0.15m) + (10 * 0.60m)) / 1_000_000m;

    private static readonly UsageDetails Usage = new() { InputTokenCount = 5, OutputTokenCount = 10 };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Doors> StartAsync(Action<Tollgate.Gateway.Configuration.GatewayOptions>? gateway = null, Action<TollgateOptions>? engine = null)
    {
        var doors = await Doors.StartAsync(gateway, engine);
        doors.Gateway.Upstream.PromptTokens = 5;
        doors.Gateway.Upstream.CachedTokens = 0;
        doors.Gateway.Upstream.CompletionTokens = 10;
        return doors;
    }

    /// <summary>One call through each door; the outcome of each: allowed, or the refusal's kind.</summary>
    private static async Task<(string Gateway, string App)> CallBothAsync(Doors doors, string model, int maxTokens, Action<TollgateChatClientOptions>? client = null)
    {
        string gateway;
        try
        {
            var chat = doors.Gateway.OpenAi(doors.Key).GetChatClient(model);
            await chat.CompleteChatAsync([new UserChatMessage("hello")], new ChatCompletionOptions { MaxOutputTokenCount = maxTokens }, Ct);
            gateway = "allowed";
        }
        catch (ClientResultException ex)
        {
            gateway = ex.Status switch { 429 => "refused", 403 => "forbidden", _ => "error " + ex.Status };
        }

        string app;
        using (doors.Engine.BeginScope(tenant: AppTenant))
        {
            try
            {
                await doors.App(model, Usage, client).GetResponseAsync([new AiChatMessage(ChatRole.User, "hello")], new ChatOptions { MaxOutputTokens = maxTokens }, Ct);
                app = "allowed";
            }
            catch (TollgateBudgetExceededException ex)
            {
                app = ex.Decision.Strategy == BudgetStrategy.RefusedUnpriced ? "forbidden" : "refused";
            }
        }

        return (gateway, app);
    }

    private static async Task BudgetForBothAsync(Doors doors, Func<string, object> body)
    {
        await doors.Gateway.CreateBudgetAsync(body("acme"));
        await doors.Gateway.CreateBudgetAsync(body(AppTenant));
        await Task.Delay(1100, Ct); // the gateway re-reads definitions every second
    }

    private static async Task<(List<UsageRecord> Gateway, List<UsageRecord> App)> RecordsAsync(Doors doors)
    {
        var records = await doors.RecordsAsync();
        return (records.Where(r => r.Tenant == "acme").ToList(), records.Where(r => r.Tenant == AppTenant).ToList());
    }

    private static void SameRecords(List<UsageRecord> gateway, List<UsageRecord> app)
    {
        Assert.Equal(gateway.Count, app.Count);
        Assert.Equal(gateway.Select(r => (r.Model, r.TotalCostNanos, r.Success, r.Estimated, r.Unpriced)), app.Select(r => (r.Model, r.TotalCostNanos, r.Success, r.Estimated, r.Unpriced)));
    }

    [Fact]
    public async Task HardBudget_SecondCallWouldOverrun_BothDoorsAllowTheFirstAndRefuseTheSecond()
    {
        await using var doors = await StartAsync();
        // A 1000-token call holds 0.0006 (plus its prompt); a 2000-token one 0.0012: above what is left of 0.001.
        await BudgetForBothAsync(doors, tenant => new { scope = new { tenant }, limit = "0.001", currency = "USD", period = "daily", enforcement = "hard" });

        var first = await CallBothAsync(doors, "gpt-4o-mini", 1000);
        var second = await CallBothAsync(doors, "gpt-4o-mini", 2000);

        Assert.Equal(("allowed", "allowed"), first);
        Assert.Equal(("refused", "refused"), second);
        var (gateway, app) = await RecordsAsync(doors);
        SameRecords(gateway, app);
        Assert.Equal(CallCost, Assert.Single(gateway).TotalCost);
    }

    [Fact]
    public async Task SoftBudget_OverItsLimit_BothDoorsAllowAndRecord()
    {
        await using var doors = await StartAsync();
        await BudgetForBothAsync(doors, tenant => new { scope = new { tenant }, limit = "0.0000001", currency = "USD", period = "daily", enforcement = "soft" });

        var outcome = await CallBothAsync(doors, "gpt-4o-mini", 1000);

        Assert.Equal(("allowed", "allowed"), outcome);
        var (gateway, app) = await RecordsAsync(doors);
        SameRecords(gateway, app);
        Assert.Single(gateway);
    }

    [Fact]
    public async Task EmergencyMode_BothDoorsSendTheCheaperFallbackModel()
    {
        await using var doors = await StartAsync(gateway: o => o.FallbackModels["gpt-4o"] = "gpt-4o-mini");
        await doors.Gateway.Host.Services.GetRequiredService<IBudgetStore>().TryStartEmergencyAsync(new EmergencyState("ops", DateTimeOffset.UtcNow, "test"), Ct);
        await Task.Delay(1100, Ct); // the emergency flag is re-read every second

        var outcome = await CallBothAsync(doors, "gpt-4o", 100, client => client.FallbackModel = "gpt-4o-mini");

        Assert.Equal(("allowed", "allowed"), outcome);
        var (gateway, app) = await RecordsAsync(doors);
        SameRecords(gateway, app);
        Assert.Equal("gpt-4o-mini", Assert.Single(gateway).Model);
    }

    [Fact]
    public async Task EuroBudget_ConvertedWithTheConfiguredRate_BothDoorsEnforceItAlike()
    {
        // 1 USD = 0.9 EUR: a 0.0009 EUR limit is 0.001 USD, as in the hard-budget scenario.
        var rate = new ExchangeRate("EUR", 0.9m, DateTimeOffset.MinValue);
        await using var doors = await StartAsync(gateway: o => o.Pricing.ExchangeRates.Add(rate), engine: o => o.Pricing.ExchangeRates.Add(rate));
        await BudgetForBothAsync(doors, tenant => new { scope = new { tenant }, limit = "0.0009", currency = "EUR", period = "daily", enforcement = "hard" });

        var first = await CallBothAsync(doors, "gpt-4o-mini", 1000);
        var second = await CallBothAsync(doors, "gpt-4o-mini", 2000);

        Assert.Equal(("allowed", "allowed"), first);
        Assert.Equal(("refused", "refused"), second);
        var (gateway, app) = await RecordsAsync(doors);
        SameRecords(gateway, app);
    }

    [Fact]
    public async Task BudgetCreatedMidWindow_EarlierSpendCounts_BothDoorsRefuse()
    {
        await using var doors = await StartAsync();
        var ledger = doors.Gateway.Host.Services.GetRequiredService<ILedgerStore>();
        var earlier = DateTimeOffset.UtcNow.AddSeconds(-30);
        await ledger.AppendAsync(
        [
            new UsageRecord { RequestId = "before-g", Timestamp = earlier, Provider = "openai", Model = "gpt-4o-mini", Tenant = "acme", TotalCost = 0.0095m },
            new UsageRecord { RequestId = "before-a", Timestamp = earlier, Provider = "openai", Model = "gpt-4o-mini", Tenant = AppTenant, TotalCost = 0.0095m },
        ], Ct);

        // 0.0095 of 0.01 was spent before the budget existed: a 1000-token hold (0.0006) no longer fits.
        await BudgetForBothAsync(doors, tenant => new { scope = new { tenant }, limit = "0.01", currency = "USD", period = "daily", enforcement = "hard" });
        var outcome = await CallBothAsync(doors, "gpt-4o-mini", 1000);

        Assert.Equal(("refused", "refused"), outcome);
        var (gateway, app) = await RecordsAsync(doors);
        Assert.Equal(["before-g"], gateway.Select(r => r.RequestId));
        Assert.Equal(["before-a"], app.Select(r => r.RequestId));
    }
}
