using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using Tollgate.Budgets;
using Tollgate.Budgets.StressHost;
using Tollgate.PostgreSql.Budgets;
using Tollgate.Redis.Budgets;
using Tollgate.Sqlite.Budgets;

// Usage:
//   run  --store postgres|redis|sqlite --connection CS [--prefix P] --budget ID --limit L --callers N --worst W --seed S --start-at UNIXMS
//   hold --store postgres|redis|sqlite --connection CS [--prefix P] --budget ID --limit L --amount A --ttl-ms T
// Both take --out FILE: "run" writes its JSON result there; "hold" writes "HELD <id>" and then waits to be killed.
var mode = args.Length > 0 ? args[0] : "";
var opts = new Dictionary<string, string>();
for (var i = 1; i + 1 < args.Length; i += 2)
{
    opts[args[i].TrimStart('-')] = args[i + 1];
}

string Get(string name) => opts.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
decimal Dec(string name) => decimal.Parse(Get(name), CultureInfo.InvariantCulture);

IBudgetStore store = Get("store") switch
{
    "postgres" => new PostgresBudgetStore(Get("connection")),
    "sqlite" => await SqliteBudgetStore.OpenAsync(Get("connection")),
    "redis" => new RedisBudgetStore(await ConnectionMultiplexer.ConnectAsync(Get("connection")), Get("prefix")),
    var s => throw new ArgumentException($"unknown store {s}"),
};
var budget = new Budget { Id = Get("budget"), Limit = Dec("limit"), Period = BudgetPeriod.Lifetime };
var definitions = new InMemoryBudgetDefinitionStore(budget);

if (mode == "run")
{
    var gate = new BudgetGate(store, definitions);
    var startAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Get("start-at"), CultureInfo.InvariantCulture));
    var wait = startAt - DateTimeOffset.UtcNow;
    if (wait > TimeSpan.Zero)
    {
        await Task.Delay(wait);
    }

    var result = await BudgetStress.RunAsync(gate, int.Parse(Get("callers"), CultureInfo.InvariantCulture), Dec("worst"), CancellationToken.None, int.Parse(Get("seed"), CultureInfo.InvariantCulture));
    await File.WriteAllTextAsync(Get("out"), JsonSerializer.Serialize(result));
    return 0;
}

if (mode == "hold")
{
    var gate = new BudgetGate(store, definitions, options: new BudgetGateOptions { HoldTtl = TimeSpan.FromMilliseconds(double.Parse(Get("ttl-ms"), CultureInfo.InvariantCulture)) });
    var d = await gate.ReserveAsync(new BudgetSubject(), Dec("amount"), "doomed");
    if (!d.Allowed)
    {
        await File.WriteAllTextAsync(Get("out"), "REFUSED " + d.Reason);
        return 2;
    }

    await File.WriteAllTextAsync(Get("out") + ".tmp", $"HELD {d.Reservation!.Id} {d.Reservation.ExpiresAt.ToUnixTimeMilliseconds()}");
    File.Move(Get("out") + ".tmp", Get("out"));
    await Task.Delay(Timeout.Infinite);
}

Console.Error.WriteLine("usage: run|hold …");
return 64;
