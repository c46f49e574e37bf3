using System.Text;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Forecasting;

/// <summary>
/// The one JSON form of a <see cref="SpendForecastReport"/> (CLI <c>forecast --json</c> and <c>GET /admin/forecast</c>):
/// <c>{"bucket","currency","groups":[{"key","method","total_p50","points":[{"start","p50","lo80","hi80","lo95","hi95"}]}]}</c>,
/// amounts as decimal strings like every money figure of Tollgate's JSON.
/// </summary>
public static class SpendForecastJson
{
    public static string Serialize(SpendForecastReport report)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("bucket", report.Bucket == TimeBucket.Hour ? "hour" : "day");
            writer.WriteString("currency", report.Currency);
            writer.WriteStartArray("groups");
            foreach (var group in report.Groups)
            {
                var f = group.Forecast;
                writer.WriteStartObject();
                writer.WriteString("key", group.Key.Length == 0 && report.Groups.Count == 1 ? null : group.Key);
                writer.WriteString("method", f.Method);
                writer.WriteString("total_p50", Amount(f.Median.Sum()));
                writer.WriteStartArray("points");
                for (var h = 0; h < f.Horizon; h++)
                {
                    writer.WriteStartObject();
                    writer.WriteString("start", group.Starts[h]);
                    writer.WriteString("p50", Amount(f.Median[h]));
                    writer.WriteString("lo80", Amount(f.Lower80[h]));
                    writer.WriteString("hi80", Amount(f.Upper80[h]));
                    writer.WriteString("lo95", Amount(f.Lower95[h]));
                    writer.WriteString("hi95", Amount(f.Upper95[h]));
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A forecast amount as money: rounded to the ledger's nano-unit precision.</summary>
    public static string Amount(double value) => Money.Format(Money.FromNanos((long)Math.Round(Math.Clamp(value, -9e9, 9e9) * 1e9)));
}
