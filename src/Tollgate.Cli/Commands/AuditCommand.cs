using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tollgate.Audit;
using Tollgate.Budgets;

namespace Tollgate.Cli.Commands;

/// <summary><c>tollgate audit [--since 24h|7d|2026-12-01] [--limit 100] [--json]</c>: who changed what, newest first.</summary>
internal static class AuditCommand
{
    public static Command Create(CliConsole console)
    {
        var since = new Option<string?>("--since") { Description = "How far back: a duration (90m, 24h, 7d) or a time (2026-12-01, 2026-12-01T08:00:00Z). Default: everything." };
        var limit = new Option<int>("--limit") { Description = "At most this many entries (default 100).", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "Print JSON (before and after as JSON values)." };
        var store = CommonOptions.Store();
        var config = CommonOptions.Config();
        var command = new Command("audit", "The audit log: every change to keys, budgets, providers, emergency mode and configuration, with who, when, before and after.");
        foreach (var option in new Option[] { since, limit, json, store, config })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(limit);
            if (n is < 1 or > AuditQuery.MaxLimit)
            {
                throw new CliException($"--limit {n} must be between 1 and {AuditQuery.MaxLimit}");
            }

            var from = parse.GetValue(since) is { } text ? ParseSince(text, TimeProvider.System.GetUtcNow()) : (DateTimeOffset?)null;
            await using var stores = await BudgetStores.OpenAsync(parse.GetValue(store), StoreAccess.Read, parse.GetValue(config), null, null, ct);
            var entries = await stores.Audit.Log.QueryAsync(new AuditQuery(from, null, n), ct);
            if (parse.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(entries.Select(e => new
                {
                    id = e.Id,
                    at = e.At,
                    actor = e.Actor,
                    action = e.Action,
                    target = e.Target,
                    before = e.Before is null ? (JsonElement?)null : JsonDocument.Parse(e.Before).RootElement.Clone(),
                    after = e.After is null ? (JsonElement?)null : JsonDocument.Parse(e.After).RootElement.Clone(),
                }), BudgetJson.Options));
                return 0;
            }

            if (entries.Count == 0)
            {
                await console.Out.WriteLineAsync(from is null ? "no changes recorded" : $"no changes since {from:yyyy-MM-dd HH:mm}Z");
                return 0;
            }

            await BudgetCommands.WriteTableAsync(console, ["AT (UTC)", "ACTOR", "ACTION", "TARGET", "AFTER"], entries.Select(e => new[]
            {
                e.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.Actor, e.Action, e.Target, e.After ?? "(removed)",
            }));
            return 0;
        });
        return command;
    }

    /// <summary>A duration back from <paramref name="now"/> (<c>90m</c>, <c>24h</c>, <c>7d</c>) or an absolute time.</summary>
    internal static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        var value = text.Trim();
        if (value.Length >= 2 && long.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount is > 0 and < 1_000_000)
        {
            switch (value[^1])
            {
                case 'm':
                    return now.AddMinutes(-amount);
                case 'h':
                    return now.AddHours(-amount);
                case 'd':
                    return now.AddDays(-amount);
            }
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        throw new CliException($"--since '{text}' is neither a duration (90m, 24h, 7d) nor a time (2026-12-01, 2026-12-01T08:00:00Z)");
    }
}
