using System.Globalization;
using System.Text.Json;

namespace Tollgate.Pricing;

/// <summary>When a <see cref="ConditionalPrice"/> is in force: from a start date, or during a daily UTC time window.</summary>
public abstract class PriceConstraint
{
    private protected PriceConstraint()
    {
    }

    /// <summary>True when the constraint holds for a call made at <paramref name="timestamp"/>.</summary>
    public abstract bool IsActive(DateTimeOffset timestamp);

    internal static PriceConstraint Parse(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where}: a constraint must be an object.");
        }

        if (element.TryGetProperty("start_date", out var startDate))
        {
            if (startDate.ValueKind != JsonValueKind.String
                || !DateOnly.TryParseExact(startDate.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new FormatException($"{where}: start_date must be a date (YYYY-MM-DD).");
            }

            return new StartDateConstraint(date);
        }

        if (element.TryGetProperty("start_time", out var start) && element.TryGetProperty("end_time", out var end))
        {
            return new TimeOfDayConstraint(ParseTime(start, where), ParseTime(end, where));
        }

        throw new FormatException($"{where}: a constraint needs start_date, or start_time and end_time.");
    }

    private static TimeOnly ParseTime(JsonElement value, string where)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

        // Times are "HH:MM[:SS[.ffffff]]" with an optional Z or ±HH:MM offset; the window is compared in UTC.
        var offset = TimeSpan.Zero;
        if (text.EndsWith('Z') || text.EndsWith('z'))
        {
            text = text[..^1];
        }
        else if (text.Length > 6 && (text[^6] == '+' || text[^6] == '-')
                 && TimeSpan.TryParseExact(text[^5..], @"hh\:mm", CultureInfo.InvariantCulture, out var parsedOffset))
        {
            offset = text[^6] == '-' ? -parsedOffset : parsedOffset;
            text = text[..^6];
        }

        if (!TimeOnly.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new FormatException($"{where}: '{value}' is not a time of day (HH:MM:SS, UTC).");
        }

        return time.Add(-offset);
    }
}

/// <summary>In force from <see cref="StartDate"/> on: the UTC day of the call's timestamp is on or after it.</summary>
public sealed class StartDateConstraint(DateOnly startDate) : PriceConstraint
{
    public DateOnly StartDate { get; } = startDate;

    public override bool IsActive(DateTimeOffset timestamp) => DateOnly.FromDateTime(timestamp.UtcDateTime) >= StartDate;

    public override string ToString() => $"from {StartDate:yyyy-MM-dd}";
}

/// <summary>In force daily between <see cref="Start"/> (inclusive) and <see cref="End"/> (exclusive), UTC.</summary>
public sealed class TimeOfDayConstraint(TimeOnly start, TimeOnly end) : PriceConstraint
{
    public TimeOnly Start { get; } = start;

    public TimeOnly End { get; } = end;

    public override bool IsActive(DateTimeOffset timestamp)
    {
        var time = TimeOnly.FromTimeSpan(timestamp.UtcDateTime.TimeOfDay);
        return Start <= time && time < End;
    }

    public override string ToString() => $"{Start:HH\\:mm\\:ss}-{End:HH\\:mm\\:ss} UTC";
}

/// <summary>A price set with the constraint that puts it in force (none: always).</summary>
public sealed record ConditionalPrice(PriceConstraint? Constraint, ModelPrice Prices);
