// Tollgate in process: wrap any IChatClient, attribute calls with a scope, enforce a budget, print the cost report.
// Run: dotnet run --project samples/Tollgate.Samples.ChatClient
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Tollgate;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Extensions.AI;
using Tollgate.Ledger;
using Tollgate.Samples.ChatClient;

var services = new ServiceCollection();
services.AddTollgate(options =>
{
    // "memory" keeps the sample self-contained; an app shares budgets with `tollgate serve` by using the same
    // store, e.g. "sqlite:data/tollgate.db" (the default) or a PostgreSQL connection string (+ Redis).
    options.Store = "memory";
    options.SeedBudgets.Add(new Budget { Id = "support-daily", Name = "Support bot, daily", Limit = 0.004m, Period = BudgetPeriod.Daily, Scope = new BudgetScope { Tenant = "acme" } });
    options.Client.Attribution = new TollgateAttribution { Project = "support-bot" };
});
services.AddTollgateChatClient(_ => new FakeChatClient());
await using var provider = services.BuildServiceProvider();

var tollgate = provider.GetRequiredService<TollgateEngine>();
var chat = provider.GetRequiredService<IChatClient>();

using (var session = tollgate.BeginScope(tenant: "acme", user: "alice", session: "conversation-1"))
{
    var answer = await chat.GetResponseAsync("How do I reset my password?", new ChatOptions { MaxOutputTokens = 500 });
    Console.WriteLine($"alice  → {answer.Text}");
    Console.WriteLine($"         cost {Format(answer.AdditionalProperties?[TollgatePropertyKeys.Cost])} USD");

    Console.Write("alice  → (streaming) ");
    await foreach (var update in chat.GetStreamingResponseAsync("And how do I change my e-mail address?", new ChatOptions { MaxOutputTokens = 500 }))
    {
        Console.Write(update.Text);
    }

    Console.WriteLine();
    Console.WriteLine($"session {session.Attribution.Session}: {session.Totals.Requests} calls, {session.Totals.InputTokens} in / {session.Totals.OutputTokens} out tokens, {Format(session.Totals.Cost)} USD");
}

using (tollgate.BeginScope(tenant: "acme", user: "bob"))
{
    try
    {
        // The worst case of 8,000 output tokens (gpt-4o-mini, $0.60/M) does not fit what is left of the tenant's daily budget.
        await chat.GetResponseAsync("Write me a very long essay about passwords.", new ChatOptions { MaxOutputTokens = 8000 });
    }
    catch (TollgateBudgetExceededException refused)
    {
        Console.WriteLine($"bob    → refused: budget '{refused.BudgetName}' limit {Format(refused.Limit)} USD, spent {Format(refused.Spent)}, " +
                          $"needed up to {Format(refused.Needed)}, resets {refused.ResetsAt:u}");
    }

    var small = await chat.GetResponseAsync("Is the service up?", new ChatOptions { MaxOutputTokens = 50 });
    Console.WriteLine($"bob    → {small.Text} (cost {Format(small.AdditionalProperties?[TollgatePropertyKeys.Cost])} USD)");
}

// The cost report, from the ledger every call was recorded in.
await tollgate.FlushAsync();
var report = await tollgate.LedgerStore.QueryAsync(new LedgerQuery { GroupBy = LedgerDimension.User });
Console.WriteLine();
Console.WriteLine("Cost report by user");
Console.WriteLine($"{"user",-8} {"calls",5} {"input",8} {"output",8} {"cost (USD)",12}");
foreach (var group in report.Groups)
{
    Console.WriteLine($"{group.Key ?? "(none)",-8} {group.Metrics.Requests,5} {group.Metrics.InputTokens,8} {group.Metrics.OutputTokens,8} {Format(group.Metrics.Cost),12}");
}

Console.WriteLine($"{"total",-8} {report.Total.Requests,5} {report.Total.InputTokens,8} {report.Total.OutputTokens,8} {Format(report.Total.Cost),12}");
foreach (var status in await tollgate.Budgets.GetStatusAsync())
{
    Console.WriteLine($"budget '{status.Budget.DisplayName}': spent {Format(status.Spent)} of {Format(status.EffectiveLimit)} USD, resets {status.ResetsAt:u}");
}

static string Format(object? amount) => amount is decimal d ? Money.Format(d) : Convert.ToString(amount, CultureInfo.InvariantCulture) ?? "?";
