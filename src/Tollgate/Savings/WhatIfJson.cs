using System.Text;
using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Savings;

/// <summary>The JSON form of a <see cref="WhatIfResult"/> (CLI <c>whatif --json</c>): money as decimal strings.</summary>
public static class WhatIfJson
{
    public static string Serialize(WhatIfResult result, string by)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("by", by);
            w.WriteString("actual_usd", Money.Format(result.Actual));
            w.WriteString("whatif_usd", Money.Format(result.WhatIf));
            w.WriteString("difference_usd", Money.Format(result.Difference));
            w.WriteNumber("requests", result.Requests);
            w.WriteStartArray("groups");
            foreach (var g in result.Groups)
            {
                Group(w, g);
            }

            w.WriteEndArray();
            w.WritePropertyName("estimated");
            Group(w, result.Estimated);
            w.WriteNumber("unpriced_records", result.Unpriced);
            w.WriteNumber("unpriced_in_scenario_records", result.UnpricedInScenario);
            w.WriteString("unpriced_in_scenario_actual_usd", Money.Format(Money.FromNanos(result.UnpricedInScenarioActualNanos)));
            w.WriteNumber("not_reproduced_records", result.NotReproduced);
            w.WriteString("not_reproduced_delta_usd", Money.Format(Money.FromNanos(result.NotReproducedDeltaNanos)));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Group(Utf8JsonWriter w, WhatIfGroup g)
    {
        w.WriteStartObject();
        w.WriteString("key", g.Key);
        w.WriteNumber("requests", g.Requests);
        w.WriteString("actual_usd", Money.Format(g.Actual));
        w.WriteString("whatif_usd", Money.Format(g.WhatIf));
        w.WriteString("difference_usd", Money.Format(g.Difference));
        if (g.DifferencePercent is { } p)
        {
            w.WriteNumber("difference_percent", p);
        }
        else
        {
            w.WriteNull("difference_percent");
        }

        w.WriteEndObject();
    }
}
