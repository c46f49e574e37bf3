using System.CommandLine;
using System.Globalization;
using System.Text;
using Tollgate.Analytics;
using Tollgate.Costing;

namespace Tollgate.Cli.Commands;

/// <summary><c>tollgate patterns</c>: when usage happens in <c>--tz</c> — weekday × hour-of-day profile, peak hours, weekday/weekend split.</summary>
internal static class PatternsCommand
{
    public static Command Create(CliConsole console)
    {
        var filters = new AnalyticsFilterOptions(tags: true);
        var command = new Command("patterns", "Show when usage happens: weekday × hour of day, peak hours, weekday/weekend.");
        filters.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var (filter, zone, store) = filters.Parse(parse);
            var query = new PatternQuery { Filter = filter, Tags = filters.ParseTags(parse), TimeZone = zone };
            var json = parse.GetValue(filters.Json);
            return CliStores.RunLedgerAsync(store, StoreAccess.Read, async s =>
            {
                var outcome = await new LedgerAnalytics(s).PatternsAsync(query, ct);
                var patterns = outcome.Value ?? throw new CliException(outcome.Error!);
                await console.Out.WriteLineAsync(json ? AnalyticsJson.Serialize(patterns, zone) : Render(patterns, zone));
                return 0;
            }, ct);
        });
        return command;
    }

    private static string Render(UsagePatterns p, TimeZoneInfo zone)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Total: {Money.Format(p.Total.Cost)} USD  ({p.Total.Requests:N0} requests), hours in {zone.Id}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Weekdays: {Money.Format(p.Weekdays.Cost)} ({p.Weekdays.Requests:N0} requests)   Weekend: {Money.Format(p.Weekend.Cost)} ({p.Weekend.Requests:N0} requests)");
        text.AppendLine(CultureInfo.InvariantCulture, $"Peak hours: {string.Join(", ", p.PeakHours.Select(h => h.ToString("00", CultureInfo.InvariantCulture) + ":00"))}");
        text.AppendLine().AppendLine("Requests by weekday (rows) and hour of day (columns 00–23)");
        text.Append("     ").AppendLine(string.Concat(Enumerable.Range(0, 24).Select(h => h.ToString("00", CultureInfo.InvariantCulture).PadLeft(6))));
        foreach (var day in p.Cells.GroupBy(c => c.Day))
        {
            text.Append(day.Key.ToString()[..3].PadRight(5));
            text.AppendLine(string.Concat(day.Select(c => c.Metrics.Requests.ToString(CultureInfo.InvariantCulture).PadLeft(6))));
        }

        return text.ToString().TrimEnd();
    }
}
