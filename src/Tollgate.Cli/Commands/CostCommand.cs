using System.CommandLine;
using System.Globalization;
using System.Text;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate cost</c>: what was spent — total, a breakdown (by a dimension or a tag, with shares, success rate and
/// averages, the top N and the rest as "(other)") and daily costs, or with <c>--json</c> exactly the
/// <see cref="CostReport"/> shape the gateway's admin report serves.
/// </summary>
internal static class CostCommand
{
    private static readonly string[] Buckets = ["hour", "day", "week", "month"];

    public static Command Create(CliConsole console)
    {
        var filters = new LedgerFilterOptions();
        var by = new Option<string>("--by") { Description = "Group by provider|model|project|user|tenant|key|api|tag:KEY|hour|day|week|month (default provider).", DefaultValueFactory = _ => "provider" };
        var tag = new Option<string[]>("--tag") { Description = "Only records with this tag, KEY=VALUE (repeatable; all must match)." };
        var top = new Option<int?>("--top") { Description = "The N most expensive groups, the rest summed as (other)." };
        var previous = new Option<bool>("--compare-previous") { Description = "Add each group's cost in the period of the same length before --from, and the change in % (default range: the last 30 days)." };
        var from = LedgerOptions.From();
        var to = LedgerOptions.To();
        var tz = LedgerOptions.TimeZone();
        var json = new Option<bool>("--json") { Description = "Print {\"total\",\"currency\",\"groups\":[…]} with money as decimal strings." };
        var store = CommonOptions.Store();
        var command = new Command("cost", "Show spend from the ledger: total, breakdown and daily costs.");
        foreach (var option in new Option[] { by, tag, top, previous, from, to, tz, json, store })
        {
            command.Options.Add(option);
        }

        filters.AddTo(command);

        command.SetAction((parse, ct) =>
        {
            var zone = LedgerOptions.ParseTimeZone(parse.GetValue(tz));
            var filter = filters.Parse(
                parse,
                LedgerOptions.ParseBound(parse.GetValue(from), "--from", zone, isEnd: false),
                LedgerOptions.ParseBound(parse.GetValue(to), "--to", zone, isEnd: true));
            if (parse.GetValue(previous))
            {
                var end = filter.To ?? TimeProvider.System.GetUtcNow();
                filter = filter with { To = end, From = filter.From ?? end.AddDays(-30) };
            }

            LedgerOptions.CheckRange(filter.From, filter.To);
            if (parse.GetValue(top) is <= 0)
            {
                throw new CliException("--top must be a positive number");
            }

            var tags = AnalyticsFilterOptions.ParseTags(parse.GetValue(tag));
            var byText = parse.GetValue(by)!.Trim().ToLowerInvariant();
            var location = CommonOptions.ParseStore(parse.GetValue(store));
            if (Buckets.Contains(byText))
            {
                if (tags.Count > 0 || parse.GetValue(previous))
                {
                    throw new CliException($"{(tags.Count > 0 ? "--tag" : "--compare-previous")} works with a breakdown (--by provider, tag:KEY, …), not with --by " + byText);
                }

                var query = ToQuery(byText, filter, zone, parse.GetValue(top));
                return CliStores.RunLedgerAsync(location, StoreAccess.Read, s => RunAsync(console, s, query, parse.GetValue(json), ct), ct);
            }

            if (!AnalyticsDimension.TryParse(parse.GetValue(by), out var dimension, out var byError))
            {
                throw new CliException($"--by: {byError}, or {string.Join(", ", Buckets)}");
            }

            var breakdown = new BreakdownQuery { Filter = filter, Tags = tags, By = dimension, Top = parse.GetValue(top), ComparePrevious = parse.GetValue(previous) };
            return CliStores.RunLedgerAsync(location, StoreAccess.Read, s => RunBreakdownAsync(console, s, breakdown, zone, parse.GetValue(json), ct), ct);
        });
        return command;
    }

    private static async Task<int> RunBreakdownAsync(CliConsole console, ILedgerStore store, BreakdownQuery query, TimeZoneInfo zone, bool json, CancellationToken ct)
    {
        var outcome = await new LedgerAnalytics(store).BreakdownAsync(query, ct);
        var breakdown = outcome.Value ?? throw new CliException(outcome.Error!);
        var report = CostReport.From(breakdown);
        if (json)
        {
            await console.Out.WriteLineAsync(CostReportJson.Serialize(report));
            return 0;
        }

        var text = new StringBuilder();
        AppendTotal(text, breakdown.Total, breakdown.Currency);
        if (breakdown.PreviousTotal is { } before)
        {
            var (from, to) = (query.Filter.From!.Value.UtcDateTime, query.Filter.To!.Value.UtcDateTime);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Previous period ({from - (to - from):yyyy-MM-dd HH:mm} to {from:yyyy-MM-dd HH:mm} UTC): {Money.Format(before.Cost)} {breakdown.Currency}, change {Change(report.ChangePercent)}");
        }
        AppendTable(text, $"By {query.By}", report);
        // With a tag filter, only when the tag rollups answer it (one tag): daily sums of raw records would read them all again.
        if (breakdown.Total.Requests > 0 &&
            await new LedgerAnalytics(store).TaggedReportAsync(new LedgerQuery { Filter = query.Filter, TimeZone = zone, Bucket = TimeBucket.Day }, query.Tags, ct) is { } daily)
        {
            AppendTable(text, "Daily", CostReport.From(daily));
        }

        await console.Out.WriteAsync(text.ToString());
        return 0;
    }

    private static void AppendTotal(StringBuilder text, LedgerMetrics t, string currency)
    {
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Total: {Money.Format(t.Cost)} {currency}  ({t.Requests:N0} requests, {t.InputTokens:N0} input tokens, {t.OutputTokens:N0} output tokens)");
        if (t.Unpriced > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Warning: {t.Unpriced:N0} records are for unpriced models; their cost is not included.");
        }
    }

    private static LedgerQuery ToQuery(string bucket, LedgerFilter filter, TimeZoneInfo zone, int? top) => new()
    {
        Filter = filter,
        TimeZone = zone,
        Top = top,
        Bucket = bucket switch
        {
            "hour" => TimeBucket.Hour,
            "day" => TimeBucket.Day,
            "week" => TimeBucket.Week,
            _ => TimeBucket.Month,
        },
    };

    private static async Task<int> RunAsync(CliConsole console, ILedgerStore store, LedgerQuery query, bool json, CancellationToken ct)
    {
        var report = await store.QueryAsync(query, ct);
        if (json)
        {
            await console.Out.WriteLineAsync(CostReportJson.Serialize(CostReport.From(report)));
            return 0;
        }

        var text = new StringBuilder();
        var t = report.Total;
        AppendTotal(text, t, report.Currency);
        var title = query.Bucket is { } b ? $"By {b.ToString().ToLowerInvariant()}" : $"By {Describe(query.GroupBy!.Value)}";
        AppendTable(text, title, CostReport.From(report));
        if (query.Bucket is null && t.Requests > 0)
        {
            var daily = await store.QueryAsync(query with { GroupBy = null, Bucket = TimeBucket.Day, Top = null }, ct);
            AppendTable(text, "Daily", CostReport.From(daily));
        }

        await console.Out.WriteAsync(text.ToString());
        return 0;
    }

    private static string Describe(LedgerDimension dimension) => dimension switch
    {
        LedgerDimension.ApiFlavor => "api flavour",
        _ => dimension.ToString().ToLowerInvariant(),
    };

    private static string Change(decimal? percent) => percent is { } p ? (p > 0 ? "+" : "") + p.ToString("0.00", CultureInfo.InvariantCulture) + " %" : "new";

    private static void AppendTable(StringBuilder text, string title, CostReport report)
    {
        text.AppendLine().AppendLine(title);
        if (report.Groups.Count == 0)
        {
            text.AppendLine("  (no records)");
            return;
        }

        // The first columns keep their order (scripts read them); the derived figures follow.
        var compared = report.PreviousTotal is not null;
        string[] header = ["", "cost", "requests", "input tokens", "output tokens", "share", "success", "per request", .. compared ? new[] { "previous", "change" } : []];
        var rows = report.Groups.Select(g => (string[])
        [
            g.Key, Money.Format(g.Cost), g.Requests.ToString("N0", CultureInfo.InvariantCulture),
            g.InputTokens.ToString("N0", CultureInfo.InvariantCulture), g.OutputTokens.ToString("N0", CultureInfo.InvariantCulture),
            g.SharePercent.ToString("0.00", CultureInfo.InvariantCulture) + " %", (g.SuccessRate * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %",
            Money.Format(g.AverageCostPerRequest),
            .. compared ? new[] { Money.Format(g.PreviousCost ?? 0), Change(g.ChangePercent) } : [],
        ]).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => Math.Max(header[i].Length, rows.Max(r => r[i].Length))).ToArray();
        text.Append("  ").AppendLine(string.Join("  ", header.Select((h, i) => i == 0 ? h.PadRight(widths[i]) : h.PadLeft(widths[i]))).TrimEnd());
        foreach (var row in rows)
        {
            text.Append("  ").AppendLine(string.Join("  ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))));
        }
    }
}
