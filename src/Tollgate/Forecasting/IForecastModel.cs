namespace Tollgate.Forecasting;

/// <summary>One candidate forecasting method: fitted on a history, it returns the next <c>horizon</c> medians.</summary>
internal interface IForecastModel
{
    string Name { get; }

    /// <summary>The shortest history the model can be fitted on.</summary>
    int MinimumHistory { get; }

    double[] Forecast(ReadOnlySpan<double> history, int horizon);
}
