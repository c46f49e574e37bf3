namespace Tollgate.Budgets;

/// <summary>
/// A spending limit: who it applies to (<see cref="Scope"/>), per which window (<see cref="Period"/> in
/// <see cref="TimeZone"/>), how much (<see cref="Limit"/> in <see cref="Currency"/>) and what happens when a
/// request does not fit (<see cref="Enforcement"/>).
/// </summary>
public sealed record Budget
{
    /// <summary>Default alert thresholds, as fractions of the limit.</summary>
    public static IReadOnlyList<decimal> DefaultThresholds { get; } = [0.5m, 0.8m, 0.9m, 0.95m, 1m];

    /// <summary>Stable id (letters, digits, '-', '_', '.'); counters and alerts are keyed by it.</summary>
    public required string Id { get; init; }

    public string? Name { get; init; }

    public BudgetScope Scope { get; init; } = BudgetScope.Global;

    public BudgetPeriod Period { get; init; } = BudgetPeriod.Monthly;

    /// <summary>The limit per window, in <see cref="Currency"/>.</summary>
    public required decimal Limit { get; init; }

    /// <summary>ISO 4217 code of <see cref="Limit"/>; spending is converted to it with an <see cref="IExchangeRateSource"/>.</summary>
    public string Currency { get; init; } = "USD";

    /// <summary>IANA or Windows time-zone id the calendar windows are cut in.</summary>
    public string TimeZone { get; init; } = "UTC";

    public BudgetEnforcement Enforcement { get; init; } = BudgetEnforcement.Hard;

    /// <summary>Alert thresholds as fractions of the limit (0 &lt; t ≤ 10), ascending.</summary>
    public IReadOnlyList<decimal> Thresholds { get; init; } = DefaultThresholds;

    /// <summary>When true, the unused part of the previous window is added to this one (calendar periods only).</summary>
    public bool Rollover { get; init; }

    /// <summary>Cap on the rolled-over amount, in <see cref="Currency"/>; null = at most one whole limit.</summary>
    public decimal? MaxRollover { get; init; }

    /// <summary>The most one request may cost, in <see cref="Currency"/>; null = no per-request limit.</summary>
    public decimal? PerRequestLimit { get; init; }

    /// <summary>
    /// When the budget was first defined (set by whoever creates it: admin API, CLI, configuration). A budget counts its
    /// window's spend from the ledger from the moment it exists, and rollover never credits a window that ended before it.
    /// </summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Fraction of the limit past which emergency mode starts (e.g. 0.95); null = never.</summary>
    public decimal? EmergencyThreshold { get; init; }

    /// <summary>Display name: <see cref="Name"/> or the id.</summary>
    public string DisplayName => string.IsNullOrWhiteSpace(Name) ? Id : Name;

    public bool Enforces => Enforcement is BudgetEnforcement.Hard or BudgetEnforcement.Adaptive;

    /// <summary>Checks the definition; returns the problems (empty when valid), each saying what to fix.</summary>
    public IReadOnlyList<string> Validate(IExchangeRateSource? rates = null)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Id) || Id.Length > 128 || !Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add($"budget id '{Id}' must be 1-128 characters of letters, digits, '-', '_' or '.'");
        }

        if (Limit <= 0)
        {
            errors.Add($"limit must be greater than 0 (got {Limit})");
        }

        if (Name is not null && (Name.Length > 200 || Name.Any(char.IsControl)))
        {
            errors.Add("name must be at most 200 printable characters (no line breaks or control characters)");
        }

        if (new[] { Scope.Tenant, Scope.Project, Scope.User, Scope.KeyId, Scope.Provider, Scope.Model }.Any(part => part is not null && part.Any(char.IsControl)))
        {
            errors.Add("scope parts must be printable (no line breaks or control characters)");
        }

        if (Limit > 1_000_000_000m)
        {
            errors.Add("limit must be at most 1,000,000,000");
        }

        if (Currency is null || Currency.Length != 3 || !Currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add($"currency '{Currency}' must be a three-letter upper-case ISO 4217 code such as USD or EUR");
        }
        else if (rates is not null && !rates.Supports(Currency))
        {
            errors.Add($"currency {Currency} has no exchange rate configured, so the budget could not be enforced: add a USD→{Currency} rate (pricing exchangeRates, units of {Currency} per 1 USD) or use one of {string.Join(", ", rates.Currencies)}");
        }

        if (!BudgetWindows.TryFindTimeZone(TimeZone, out _))
        {
            errors.Add($"time zone '{TimeZone}' is unknown: use an IANA id such as Europe/Berlin or UTC");
        }

        if (Thresholds.Count == 0 || Thresholds.Any(t => t <= 0 || t > 10))
        {
            errors.Add("thresholds must be fractions of the limit greater than 0 (e.g. 0.5,0.8,0.9,1)");
        }

        if (MaxRollover is < 0)
        {
            errors.Add("max rollover must not be negative");
        }

        if (MaxRollover is not null && !Rollover)
        {
            errors.Add("max rollover needs rollover to be on");
        }

        if (Rollover && (Period.IsRolling || Period.Kind == BudgetPeriodKind.Lifetime))
        {
            errors.Add("rollover needs a calendar period (hourly, daily, weekly, monthly)");
        }

        if (PerRequestLimit is <= 0)
        {
            errors.Add("per-request limit must be greater than 0");
        }

        if (EmergencyThreshold is <= 0 or > 10)
        {
            errors.Add("emergency threshold must be a fraction of the limit greater than 0");
        }

        if (Period.Length < 1 || Period.Length > 366 * 24)
        {
            errors.Add("rolling length must be between 1 and 366 days (or the same in hours)");
        }

        return errors;
    }
}
