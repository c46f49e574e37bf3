using System.CommandLine;
using System.Globalization;

namespace Tollgate.Cli.Commands;

/// <summary>Options shared by the ledger commands (import, export, cost), parsed the same way everywhere.</summary>
internal static class LedgerOptions
{
    public static Option<string?> From() => new("--from")
    {
        Description = "Start (inclusive): a date YYYY-MM-DD (midnight in --tz) or an ISO 8601 timestamp with offset.",
    };

    public static Option<string?> To() => new("--to")
    {
        Description = "End: a date YYYY-MM-DD includes that whole day (in --tz); a timestamp is exclusive.",
    };

    public static Option<string?> TimeZone() => new("--tz")
    {
        Description = "Time zone for dates and day/week/month buckets (IANA id, e.g. Europe/Berlin). Default UTC.",
    };

    public static TimeZoneInfo ParseTimeZone(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Equals("UTC", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(value);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new CliException($"--tz '{value}' is not a known time zone: use an IANA id such as Europe/Berlin or UTC");
        }
    }

    public static DateTimeOffset? ParseBound(string? value, string option, TimeZoneInfo zone, bool isEnd)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var local = (isEnd ? date.AddDays(1) : date).ToDateTime(TimeOnly.MinValue);
            while (zone.IsInvalidTime(local))
            {
                local = local.AddMinutes(15);
            }

            return new DateTimeOffset(local, zone.GetUtcOffset(local));
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp))
        {
            return timestamp;
        }

        throw new CliException($"{option} '{value}' is not a date (YYYY-MM-DD) or an ISO 8601 timestamp");
    }

    public static void CheckRange(DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } f && to is { } t && t <= f)
        {
            throw new CliException("--to must be after --from");
        }
    }
}
