namespace Tollgate.Forecasting;

/// <summary>The spend forecast of one group (or of the whole filter, key ""): bucket starts and the forecast per bucket.</summary>
public sealed record SpendForecastGroup(string Key, IReadOnlyList<DateTimeOffset> Starts, Forecast Forecast);
