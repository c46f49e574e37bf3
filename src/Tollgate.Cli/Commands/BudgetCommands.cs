using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Budgets;
using Tollgate.Forecasting;
using Tollgate.Costing;

namespace Tollgate.Cli.Commands;

/// <summary><c>tollgate budget set|list|status|delete|reset-emergency</c> and the <c>providers budget</c> shorthand.</summary>
public static class BudgetCommands
{
    internal static Command Create(CliConsole console)
    {
        var command = new Command("budget", "Define budgets and see where they stand. Hard budgets are never exceeded.");
        command.Subcommands.Add(CreateSet(console));
        command.Subcommands.Add(CreateList(console));
        command.Subcommands.Add(CreateStatus(console));
        command.Subcommands.Add(CreateDelete(console));
        command.Subcommands.Add(CreateResetEmergency(console));
        return command;
    }

    /// <summary><c>tollgate providers budget 100.0</c>: sets the global monthly hard budget (attach under <c>providers</c>).</summary>
    public static Command CreateProvidersBudgetCommand(CliConsole console)
    {
        var amount = new Argument<string>("AMOUNT") { Description = "The global limit in USD, e.g. 100.0." };
        var period = new Option<string>("--period") { Description = "hourly, daily, weekly, monthly (default), rolling:7d, lifetime.", DefaultValueFactory = _ => "monthly" };
        var enforcement = new Option<string>("--enforcement") { Description = "warn, soft, hard (default) or adaptive.", DefaultValueFactory = _ => "hard" };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("budget", "Set the global budget (all providers, all models) in USD.");
        command.Arguments.Add(amount);
        command.Options.Add(period);
        command.Options.Add(enforcement);
        command.Options.Add(store);
        command.Options.Add(config);
        command.SetAction(async (parse, ct) =>
        {
            var budget = new Budget
            {
                Id = "global",
                Name = "Global budget",
                Scope = BudgetScope.Global,
                Limit = ParseAmount(parse.GetValue(amount), "AMOUNT"),
                Period = ParsePeriod(parse.GetValue(period)),
                Enforcement = ParseEnforcement(parse.GetValue(enforcement)),
            };
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Write, parse.GetValue(config), null, null, ct);
            await SaveAsync(stores, budget, console, ct);
            return 0;
        });
        return command;
    }

    private static Command CreateSet(CliConsole console)
    {
        var scope = new Option<string?>("--scope") { Description = "global, tenant:T, project:P, user:U, key:K, provider:X, model:M (comma-separated to combine)." };
        var limit = new Option<string?>("--limit") { Description = "The limit per window, e.g. 100 or 12.50." };
        var currency = new Option<string?>("--currency") { Description = "ISO code of the limit (default USD; others need budgets.exchange_rates in --config)." };
        var period = new Option<string?>("--period") { Description = "hourly, daily, weekly (from Monday), monthly (from the 1st), rolling:7d, rolling:24h, lifetime." };
        var enforcement = new Option<string?>("--enforcement") { Description = "warn, soft, hard or adaptive." };
        var thresholds = new Option<string?>("--thresholds") { Description = "Alert thresholds as fractions, default 0.5,0.8,0.9,0.95,1." };
        var rollover = new Option<bool>("--rollover") { Description = "Carry the unused part of the previous window over." };
        var maxRollover = new Option<string?>("--max-rollover") { Description = "Cap on the rolled-over amount." };
        var perRequest = new Option<string?>("--per-request") { Description = "The most one request may cost." };
        var preset = new Option<string?>("--preset") { Description = "low, medium, high or enterprise; explicit options override it." };
        var timeZone = new Option<string?>("--time-zone") { Description = "Time zone windows are cut in (IANA id, default UTC)." };
        var emergency = new Option<string?>("--emergency-threshold") { Description = "Fraction of the limit that starts emergency mode, e.g. 0.95." };
        var id = new Option<string?>("--id") { Description = "Budget id (default: derived from scope and period)." };
        var name = new Option<string?>("--name") { Description = "Display name." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("set", "Create or replace a budget.");
        foreach (var o in new Option[] { scope, limit, currency, period, enforcement, thresholds, rollover, maxRollover, perRequest, preset, timeZone, emergency, id, name, store, config })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var scopeText = parse.GetValue(scope) ?? throw new CliException("--scope is required: global, tenant:T, project:P, user:U, key:K, provider:X or model:M");
            if (!BudgetScope.TryParse(scopeText, out var parsedScope, out var scopeError))
            {
                throw new CliException("--scope: " + scopeError);
            }

            var presetText = parse.GetValue(preset);
            Budget budget;
            if (presetText is not null)
            {
                if (!Enum.TryParse<BudgetTier>(presetText, true, out var tier) || !Enum.IsDefined(tier) || int.TryParse(presetText, out _))
                {
                    throw new CliException($"--preset '{presetText}' is unknown: use low, medium, high or enterprise");
                }

                budget = BudgetPresets.Create(tier, "x", parsedScope);
            }
            else
            {
                budget = new Budget
                {
                    Id = "x",
                    Scope = parsedScope,
                    Limit = ParseAmount(parse.GetValue(limit) ?? throw new CliException("--limit is required (or use --preset)"), "--limit"),
                    Period = ParsePeriod(parse.GetValue(period) ?? throw new CliException("--period is required: hourly, daily, weekly, monthly, rolling:7d or lifetime (or use --preset)")),
                    Enforcement = ParseEnforcement(parse.GetValue(enforcement) ?? throw new CliException("--enforcement is required: warn, soft, hard or adaptive (or use --preset)")),
                };
            }

            if (presetText is not null)
            {
                if (parse.GetValue(limit) is { } l)
                {
                    budget = budget with { Limit = ParseAmount(l, "--limit") };
                }

                if (parse.GetValue(period) is { } p)
                {
                    budget = budget with { Period = ParsePeriod(p) };
                }

                if (parse.GetValue(enforcement) is { } e)
                {
                    budget = budget with { Enforcement = ParseEnforcement(e) };
                }
            }

            if (parse.GetValue(currency) is { } c)
            {
                budget = budget with { Currency = c.Trim().ToUpperInvariant() };
            }

            if (parse.GetValue(thresholds) is { } t)
            {
                budget = budget with { Thresholds = ParseThresholds(t) };
            }

            if (parse.GetValue(rollover))
            {
                budget = budget with { Rollover = true };
            }

            if (parse.GetValue(maxRollover) is { } mr)
            {
                budget = budget with { MaxRollover = ParseAmount(mr, "--max-rollover", allowZero: true) };
            }

            if (parse.GetValue(perRequest) is { } pr)
            {
                budget = budget with { PerRequestLimit = ParseAmount(pr, "--per-request") };
            }

            if (parse.GetValue(timeZone) is { } tz)
            {
                budget = budget with { TimeZone = tz };
            }

            if (parse.GetValue(emergency) is { } em)
            {
                budget = budget with { EmergencyThreshold = ParseAmount(em, "--emergency-threshold") };
            }

            budget = budget with { Id = parse.GetValue(id) ?? DefaultId(budget), Name = parse.GetValue(name) };
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Write, parse.GetValue(config), null, null, ct);
            await SaveAsync(stores, budget, console, ct);
            return 0;
        });
        return command;
    }

    private static Command CreateList(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("list", "List budget definitions.");
        command.Options.Add(json);
        command.Options.Add(store);
        command.Options.Add(config);
        command.SetAction(async (parse, ct) =>
        {
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Read, parse.GetValue(config), null, null, ct);
            var budgets = await stores.Definitions.ListAsync(ct);
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(budgets, BudgetJson.Options));
                return 0;
            }

            if (budgets.Count == 0)
            {
                await console.Out.WriteLineAsync("no budgets: add one with 'tollgate budget set --scope global --limit 100 --period monthly --enforcement hard'");
                return 0;
            }

            var rows = budgets.Select(b => new[]
            {
                b.Id, b.Scope.ToString(), b.Period.ToString(), $"{Money.Format(b.Limit)} {b.Currency}", b.Enforcement.ToString().ToLowerInvariant(),
                string.Join(",", b.Thresholds.Select(x => x.ToString(CultureInfo.InvariantCulture))),
                b.Rollover ? "max " + Money.Format(b.MaxRollover ?? b.Limit) : "-",
                b.PerRequestLimit is { } p ? Money.Format(p) : "-",
                b.TimeZone,
            });
            await WriteTableAsync(console, ["ID", "SCOPE", "PERIOD", "LIMIT", "ENFORCEMENT", "THRESHOLDS", "ROLLOVER", "PER-REQUEST", "ZONE"], rows);
            return 0;
        });
        return command;
    }

    private static Command CreateStatus(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var redis = new Option<string?>("--redis") { Description = "Read counters from Redis (host:port) when instances share them there." };
        var redisPrefix = new Option<string?>("--redis-prefix") { Description = "Redis key prefix (default tollgate)." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("status", "Spent, held, remaining, when each budget resets and days until exhausted at the current rate.");
        foreach (var o in new Option[] { json, redis, redisPrefix, store, config })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Read, parse.GetValue(config), parse.GetValue(redis), parse.GetValue(redisPrefix), ct);
            var status = await stores.Gate().GetStatusAsync(ct);
            var emergency = await stores.Counters.GetEmergencyAsync(ct);
            IReadOnlyDictionary<string, BudgetRunOut> runOuts = new Dictionary<string, BudgetRunOut>();
            if (status.Count > 0)
            {
                runOuts = await BudgetRunOutProjection.ProjectAsync(status, stores.Ledger, stores.Rates, TimeProvider.System.GetUtcNow(), ct);
            }

            if (parse.GetValue(json))
            {
                var doc = new
                {
                    emergency = emergency is null ? null : new { budget_id = emergency.BudgetId, since = emergency.Since, reason = emergency.Reason },
                    budgets = status.Select(s => new
                    {
                        id = s.Budget.Id,
                        name = s.Budget.DisplayName,
                        scope = s.Budget.Scope.ToString(),
                        period = s.Budget.Period.ToString(),
                        enforcement = s.Budget.Enforcement.ToString().ToLowerInvariant(),
                        currency = s.Budget.Currency,
                        window = s.Window.Key,
                        limit = s.EffectiveLimit,
                        rolled_over = s.RolledOver,
                        spent = s.Spent,
                        held = s.Held,
                        remaining = s.Remaining,
                        used = decimal.Round(s.UsedFraction, 4),
                        resets_at = s.ResetsAt,
                        days_until_exhausted = s.DaysUntilExhausted,
                        run_out = BudgetRunOutJson.View(runOuts.GetValueOrDefault(s.Budget.Id)),
                    }),
                };
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(doc, BudgetJson.Options));
                return 0;
            }

            if (emergency is not null)
            {
                await console.Out.WriteLineAsync($"EMERGENCY MODE since {emergency.Since:yyyy-MM-dd HH:mm}Z: {emergency.Reason} (end it with 'tollgate budget reset-emergency')");
            }

            if (status.Count == 0)
            {
                await console.Out.WriteLineAsync("no budgets defined");
                return 0;
            }

            await WriteTableAsync(console, ["ID", "WINDOW", "LIMIT", "SPENT", "HELD", "REMAINING", "USED", "RESETS AT (UTC)", "DAYS LEFT", "RUN-OUT P10 / P50 / P90 (UTC)"], status.Select(s => new[]
            {
                s.Budget.Id, s.Window.Key, $"{Money.Format(s.EffectiveLimit)} {s.Budget.Currency}", Money.Format(s.Spent), Money.Format(s.Held), Money.Format(s.Remaining),
                s.UsedFraction.ToString("P1", CultureInfo.InvariantCulture),
                s.ResetsAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never",
                s.DaysUntilExhausted?.ToString("0.##", CultureInfo.InvariantCulture) ?? "-",
                BudgetRunOutJson.Describe(runOuts.GetValueOrDefault(s.Budget.Id)),
            }));
            return 0;
        });
        return command;
    }

    private static Command CreateDelete(CliConsole console)
    {
        var id = new Argument<string>("ID") { Description = "The budget id (see 'tollgate budget list')." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("delete", "Delete a budget definition (its spending history stays).");
        command.Arguments.Add(id);
        command.Options.Add(store);
        command.Options.Add(config);
        command.SetAction(async (parse, ct) =>
        {
            var budgetId = parse.GetValue(id)!;
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Write, parse.GetValue(config), null, null, ct);
            var before = await stores.Definitions.GetAsync(budgetId, ct);
            if (before is null || !await stores.Definitions.DeleteAsync(budgetId, ct))
            {
                throw new CliException($"no budget '{budgetId}': see 'tollgate budget list'");
            }

            await stores.Audit.RecordAsync("cli", "budget.delete", budgetId, Tollgate.Audit.AuditViews.Budget(before), null, ct);

            await console.Out.WriteLineAsync($"deleted budget {budgetId}");
            return 0;
        });
        return command;
    }

    private static Command CreateResetEmergency(CliConsole console)
    {
        var redis = new Option<string?>("--redis") { Description = "Redis (host:port) when instances share counters there." };
        var redisPrefix = new Option<string?>("--redis-prefix") { Description = "Redis key prefix (default tollgate)." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("reset-emergency", "End emergency mode (operator action).");
        foreach (var o in new Option[] { redis, redisPrefix, store, config })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Write, parse.GetValue(config), parse.GetValue(redis), parse.GetValue(redisPrefix), ct);
            var was = await stores.Counters.GetEmergencyAsync(ct);
            if (!await stores.Counters.ResetEmergencyAsync(ct))
            {
                await console.Out.WriteLineAsync("emergency mode was not on");
                return 0;
            }

            await stores.Audit.RecordAsync("cli", "emergency.reset", was?.BudgetId ?? "emergency", was is null ? null : Tollgate.Audit.AuditViews.Emergency(was), null, ct);
            await console.Out.WriteLineAsync($"emergency mode ended (was on since {was?.Since:yyyy-MM-dd HH:mm}Z for budget {was?.BudgetId})");
            return 0;
        });
        return command;
    }

    private static async Task SaveAsync(BudgetStores stores, Budget budget, CliConsole console, CancellationToken ct)
    {
        var errors = budget.Validate(stores.Rates);
        if (errors.Count > 0)
        {
            throw new CliException(string.Join("; ", errors));
        }

        var existing = await stores.Definitions.GetAsync(budget.Id, ct);
        var existed = existing is not null;
        budget = budget with { CreatedAt = existing?.CreatedAt ?? TimeProvider.System.GetUtcNow() };
        await stores.Definitions.UpsertAsync(budget, ct);
        await stores.Audit.RecordAsync("cli", "budget.set", budget.Id, existing is null ? null : Tollgate.Audit.AuditViews.Budget(existing), Tollgate.Audit.AuditViews.Budget(budget), ct);
        var window = BudgetWindows.Current(budget, TimeProvider.System.GetUtcNow());
        await console.Out.WriteLineAsync(
            $"{(existed ? "updated" : "created")} budget {budget.Id}: {budget.Scope} {Money.Format(budget.Limit)} {budget.Currency} {budget.Period} ({budget.Enforcement.ToString().ToLowerInvariant()})" +
            (window.End is { } end ? $", current window {window.Key} resets {end.UtcDateTime:yyyy-MM-dd HH:mm}Z" : ""));
    }

    internal static string DefaultId(Budget budget)
    {
        var sb = new StringBuilder();
        foreach (var ch in budget.Scope.ToString() + "-" + budget.Period.ToString())
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? char.ToLowerInvariant(ch) : '-');
        }

        var id = sb.ToString();
        return id.Length <= 128 ? id : id[..128];
    }

    private static decimal ParseAmount(string? text, string option, bool allowZero = false)
    {
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0 || (!allowZero && value == 0))
        {
            throw new CliException($"{option} '{text}' is not a {(allowZero ? "non-negative" : "positive")} number (use a dot for decimals, e.g. 12.50)");
        }

        return value;
    }

    private static BudgetPeriod ParsePeriod(string? text) =>
        BudgetPeriod.TryParse(text, out var p, out var error) ? p : throw new CliException("--period: " + error);

    private static BudgetEnforcement ParseEnforcement(string? text) =>
        text?.Trim().ToLowerInvariant() switch
        {
            "warn" => BudgetEnforcement.Warn,
            "soft" => BudgetEnforcement.Soft,
            "hard" => BudgetEnforcement.Hard,
            "adaptive" => BudgetEnforcement.Adaptive,
            _ => throw new CliException($"--enforcement '{text}' is unknown: use warn, soft, hard or adaptive"),
        };

    private static List<decimal> ParseThresholds(string text)
    {
        var result = new List<decimal>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!decimal.TryParse(part, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var t) || t <= 0 || t > 10)
            {
                throw new CliException($"--thresholds: '{part}' is not a fraction of the limit (use e.g. 0.5,0.8,0.9,1)");
            }

            result.Add(t);
        }

        if (result.Count == 0)
        {
            throw new CliException("--thresholds is empty: use e.g. 0.5,0.8,0.9,1");
        }

        return [.. result.Distinct().Order()];
    }

    internal static async Task WriteTableAsync(CliConsole console, string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            await console.Out.WriteLineAsync(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
