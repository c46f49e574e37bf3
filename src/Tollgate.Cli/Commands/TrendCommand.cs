using System.CommandLine;
using System.Globalization;
using System.Text;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate trend --by day</c>: cost (or requests, tokens) per hour/day/week/month in <c>--tz</c>, with the change
/// from the previous bucket, a moving average and whether the series rises or falls beyond noise (Mann–Kendall).
/// </summary>
internal static class TrendCommand
{
    public static Command Create(CliConsole console)
    {
        var filters = new AnalyticsFilterOptions(tags: true);
        var by = new Option<string>("--by") { Description = "Bucket: hour|day|week|month (default day).", DefaultValueFactory = _ => "day" };
        by.AcceptOnlyFromAmong("hour", "day", "week", "month");
        var metric = new Option<string>("--metric") { Description = "What to follow: cost|requests|tokens (default cost).", DefaultValueFactory = _ => "cost" };
        metric.AcceptOnlyFromAmong("cost", "requests", "tokens");
        var window = new Option<int>("--window") { Description = "Buckets in the moving average (default 7).", DefaultValueFactory = _ => 7 };
        var command = new Command("trend", "Show spend over time: per bucket, change, moving average and trend direction.");
        command.Options.Add(by);
        command.Options.Add(metric);
        command.Options.Add(window);
        filters.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var (filter, zone, store) = filters.Parse(parse);
            if (parse.GetValue(window) <= 0)
            {
                throw new CliException("--window must be a positive number of buckets");
            }

            var query = new TrendQuery
            {
                Filter = filter,
                Tags = filters.ParseTags(parse),
                TimeZone = zone,
                Bucket = Enum.Parse<TimeBucket>(parse.GetValue(by)!, ignoreCase: true),
                Metric = Enum.Parse<TrendMetric>(parse.GetValue(metric)!, ignoreCase: true),
                MovingAverageWindow = parse.GetValue(window),
            };
            var json = parse.GetValue(filters.Json);
            return CliStores.RunLedgerAsync(store, StoreAccess.Read, async s =>
            {
                var outcome = await new LedgerAnalytics(s).TrendAsync(query, ct);
                var trend = outcome.Value ?? throw new CliException(outcome.Error!);
                await console.Out.WriteLineAsync(json ? AnalyticsJson.Serialize(trend, query) : Render(trend, query));
                return 0;
            }, ct);
        });
        return command;
    }

    private static string Render(Trend trend, TrendQuery query)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Total: {Money.Format(trend.Total.Cost)} USD  ({trend.Total.Requests:N0} requests), {trend.Points.Count} {query.Bucket.ToString().ToLowerInvariant()}s in {query.TimeZone.Id}");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Trend: {trend.Direction.ToString().ToLowerInvariant()} ({Money.Format(trend.SlopePerBucket)} per {query.Bucket.ToString().ToLowerInvariant()}, Mann-Kendall p = {trend.PValue.ToString("0.0000", CultureInfo.InvariantCulture)}{(trend.Significant ? ", significant" : ", not significant")})");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"  {"bucket",-24}  {query.Metric.ToString().ToLowerInvariant(),16}  {"change",16}  {"change %",9}  {"moving avg",16}");
        foreach (var p in trend.Points)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {p.Label,-24}  {Money.Format(p.Value),16}  {(p.Change is { } c ? Money.Format(c) : "-"),16}  {(p.ChangePercent is { } pct ? pct.ToString("0.00", CultureInfo.InvariantCulture) + " %" : "-"),9}  {(p.MovingAverage is { } m ? Money.Format(m) : "-"),16}");
        }

        return text.ToString().TrimEnd();
    }
}
