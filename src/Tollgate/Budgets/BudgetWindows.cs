using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Tollgate.Budgets;

/// <summary>
/// Cuts time into a budget's windows in its time zone. Keys are stable strings
/// (<c>hourly:2026-11-22T13</c>, <c>daily:2026-11-22</c>, <c>weekly:2026-11-16</c>, <c>monthly:2026-11</c>,
/// <c>lifetime</c>; rolling buckets <c>day:2026-11-22</c> / <c>hour:2026-11-22T13</c>).
/// </summary>
public static class BudgetWindows
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeZoneInfo?> Zones = new(StringComparer.Ordinal);

    public static bool TryFindTimeZone(string? id, [NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        zone = Zones.GetOrAdd(id, static id =>
        {
            if (id is "UTC" or "Etc/UTC" or "utc")
            {
                return TimeZoneInfo.Utc;
            }

            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(id);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                return null;
            }
        });
        return zone is not null;
    }

    /// <summary>The window of <paramref name="budget"/> that contains <paramref name="now"/>.</summary>
    public static BudgetWindow Current(Budget budget, DateTimeOffset now)
    {
        if (!TryFindTimeZone(budget.TimeZone, out var zone))
        {
            throw new ArgumentException($"unknown time zone '{budget.TimeZone}'", nameof(budget));
        }

        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        switch (budget.Period.Kind)
        {
            case BudgetPeriodKind.Lifetime:
                return new BudgetWindow { Key = "lifetime" };
            case BudgetPeriodKind.Hourly:
                {
                    var start = new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0, DateTimeKind.Unspecified);
                    return Calendar("hourly:" + start.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture), start, start.AddHours(1), zone, now);
                }

            case BudgetPeriodKind.Daily:
                return Calendar("daily:" + local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), local.Date, local.Date.AddDays(1), zone, now);
            case BudgetPeriodKind.Weekly:
                {
                    var monday = local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7));
                    return Calendar("weekly:" + monday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), monday, monday.AddDays(7), zone, now);
                }

            case BudgetPeriodKind.Monthly:
                {
                    var first = new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
                    return Calendar("monthly:" + first.ToString("yyyy-MM", CultureInfo.InvariantCulture), first, first.AddMonths(1), zone, now);
                }

            case BudgetPeriodKind.RollingDays:
                {
                    var n = budget.Period.Length;
                    var today = local.Date;
                    var past = new string[n - 1];
                    for (var i = 1; i < n; i++)
                    {
                        past[i - 1] = "day:" + today.AddDays(-i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                    }

                    return new BudgetWindow
                    {
                        Key = "day:" + today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                        Start = ToUtc(today.AddDays(-(n - 1)), zone),
                        End = ToUtc(today.AddDays(1), zone),
                        PastKeys = past,
                    };
                }

            case BudgetPeriodKind.RollingHours:
                {
                    // Hour buckets are UTC hours: local hours repeat when clocks go back.
                    var n = budget.Period.Length;
                    var utc = now.UtcDateTime;
                    var hour = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
                    var past = new string[n - 1];
                    for (var i = 1; i < n; i++)
                    {
                        past[i - 1] = "hour:" + hour.AddHours(-i).ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture);
                    }

                    return new BudgetWindow
                    {
                        Key = "hour:" + hour.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture),
                        Start = new DateTimeOffset(hour.AddHours(-(n - 1))),
                        End = new DateTimeOffset(hour.AddHours(1)),
                        PastKeys = past,
                    };
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(budget));
        }
    }

    /// <summary>The calendar window just before <paramref name="window"/> (for rollover); null for lifetime and rolling.</summary>
    public static BudgetWindow? Previous(Budget budget, BudgetWindow window)
    {
        if (budget.Period.IsRolling || window.Start is null)
        {
            return null;
        }

        return Current(budget, window.Start.Value.AddTicks(-1));
    }

    private static BudgetWindow Calendar(string key, DateTime localStart, DateTime localEnd, TimeZoneInfo zone, DateTimeOffset now)
    {
        var start = ToUtc(localStart, zone);
        var end = ToUtc(localEnd, zone);

        // A local hour that happens twice (clocks going back) maps to one key; keep the window containing now.
        if (start > now)
        {
            start = now;
        }

        if (end <= now)
        {
            end = now.AddTicks(1);
        }

        return new BudgetWindow { Key = key, Start = start, End = end };
    }

    /// <summary>Local wall time → instant; a time skipped by a DST jump moves to the first valid instant after it.</summary>
    private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        // Ambiguous (repeated) times: the earlier instant, i.e. the larger (pre-transition) offset.
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
