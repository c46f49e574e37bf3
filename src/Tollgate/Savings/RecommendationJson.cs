using System.Text;
using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Savings;

/// <summary>The JSON form of recommendations (CLI <c>recommend --json</c>, <c>/admin/recommendations</c>): money as decimal strings.</summary>
public static class RecommendationJson
{
    /// <summary>
    /// The recommendations, and when they were computed over which range if <paramref name="computed"/> says so
    /// (<c>from</c>, <c>to</c>, <c>computed_at</c>: a precomputed result).
    /// </summary>
    public static string Serialize(IReadOnlyList<Recommendation> recommendations, (DateTimeOffset From, DateTimeOffset To, DateTimeOffset At)? computed = null)
    {
        ArgumentNullException.ThrowIfNull(recommendations);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            if (computed is { } c)
            {
                w.WriteString("from", c.From.UtcDateTime);
                w.WriteString("to", c.To.UtcDateTime);
                w.WriteString("computed_at", c.At.UtcDateTime);
            }

            w.WriteString("total_saving_usd", Money.Format(Money.FromNanos(recommendations.Sum(r => r.SavingNanos))));
            w.WriteStartArray("recommendations");
            foreach (var r in recommendations)
            {
                w.WriteStartObject();
                w.WriteString("kind", r.Kind);
                w.WriteString("title", r.Title);
                Map(w, "scope", r.Scope);
                w.WriteString("saving_usd", Money.Format(r.Saving));
                w.WriteNumber("saving_percent", r.SavingPercent);
                w.WriteString("confidence", r.Confidence);
                Map(w, "evidence", r.Evidence);
                w.WriteString("action", r.Action);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Map(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> values)
    {
        w.WriteStartObject(name);
        foreach (var (key, value) in values)
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
    }
}
