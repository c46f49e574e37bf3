using System.Globalization;

namespace Tollgate.TimeSeries;

/// <summary>Reads and writes the <c>timestamp,value</c> CSV of the generic series modes (forecast and anomaly scoring).</summary>
public static class TimeSeriesCsv
{
    /// <summary>The timestamp format of written rows (the format of NAB and of the forecast benchmark).</summary>
    public const string TimestampFormat = "yyyy-MM-dd HH:mm:ss";

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ",
        "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
    ];

    /// <summary>
    /// Reads a CSV whose header is <c>timestamp,value</c> (any case, surrounding spaces ignored). Every row needs a
    /// parseable timestamp (ISO 8601, taken as UTC) and a finite number. Blank lines are skipped. Timestamps are not
    /// checked for order here: each mode decides what it accepts.
    /// </summary>
    public static TimeSeriesParseResult Read(TextReader reader)
    {
        var header = reader.ReadLine();
        while (header is not null && header.Trim().Length == 0)
        {
            header = reader.ReadLine();
        }

        if (header is null)
        {
            return TimeSeriesParseResult.Fail("the input is empty: expected a header 'timestamp,value' and one row per time step.");
        }

        var columns = header.TrimStart('\uFEFF').Split(',');
        if (columns.Length != 2 || !columns[0].Trim().Equals("timestamp", StringComparison.OrdinalIgnoreCase)
            || !columns[1].Trim().Equals("value", StringComparison.OrdinalIgnoreCase))
        {
            return TimeSeriesParseResult.Fail($"line 1: expected the header 'timestamp,value', found '{Shorten(header)}'.");
        }

        var raw = new List<string>();
        var times = new List<DateTime>();
        var values = new List<double>();
        var lineNumber = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var comma = line.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || line.IndexOf(',', comma + 1) >= 0)
            {
                return TimeSeriesParseResult.Fail($"line {lineNumber}: expected two fields 'timestamp,value', found '{Shorten(line)}'.");
            }

            var stamp = line[..comma].Trim().Trim('"');
            var text = line[(comma + 1)..].Trim().Trim('"');
            if (!TryParseTimestamp(stamp, out var time))
            {
                return TimeSeriesParseResult.Fail($"line {lineNumber}: '{Shorten(stamp)}' is not a timestamp (use ISO 8601, e.g. 2024-01-31 13:00:00).");
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                return TimeSeriesParseResult.Fail($"line {lineNumber}: value '{Shorten(text)}' is not a finite number.");
            }

            raw.Add(stamp);
            times.Add(time);
            values.Add(value);
        }

        return raw.Count == 0
            ? TimeSeriesParseResult.Fail("the input has a header but no rows: expected one 'timestamp,value' row per time step.")
            : TimeSeriesParseResult.Ok(new TimeSeriesData(raw, times, values));
    }

    /// <summary>Formats a number for CSV output: invariant culture, round-trippable, no exponent surprises for readers.</summary>
    public static string FormatNumber(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static bool TryParseTimestamp(string text, out DateTime time)
    {
        const DateTimeStyles styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        return DateTime.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, styles, out time)
            || DateTime.TryParse(text, CultureInfo.InvariantCulture, styles, out time);
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
