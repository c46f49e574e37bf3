using Tollgate.Ledger;

namespace Tollgate.Forecasting;

/// <summary>Spend forecasts for the next hours or days, per group, in the ledger's currency.</summary>
public sealed record SpendForecastReport(TimeBucket Bucket, string Currency, IReadOnlyList<SpendForecastGroup> Groups);
