using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Reconciliation.Matching;

namespace Tollgate.Reconciliation;

/// <summary>
/// The JSON form of a <see cref="ReconciliationResult"/> (<c>tollgate reconcile --json</c>, <c>POST /admin/reconcile</c>):
/// money as decimal strings; a difference's <c>ledger</c>, <c>provider</c> and <c>delta</c> are decimal strings too —
/// USD for the <c>cost</c> kind, counts for the others.
/// </summary>
public static class ReconciliationJson
{
    public static string Serialize(ReconciliationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("provider", result.Provider);
            w.WriteString("from", result.FirstDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            w.WriteString("to", result.LastDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            w.WriteNumber("capture_rate", result.CaptureRate);
            w.WriteString("provider_usd", Money.Format(Money.FromNanos(result.ProviderNanos)));
            w.WriteString("ledger_usd", Money.Format(Money.FromNanos(result.LedgerNanos)));
            w.WriteString("provider_usd_source", result.ProviderUsdSource);
            w.WriteNumber("cells", result.Cells);
            w.WriteStartObject("causes");
            foreach (var group in result.Differences.GroupBy(d => d.Cause, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(group.Key, group.Count());
            }

            w.WriteEndObject();
            w.WriteStartArray("differences");
            foreach (var d in result.Differences)
            {
                w.WriteStartObject();
                w.WriteString("day", d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                w.WriteString("model", d.Model);
                w.WriteString("kind", ReconcileKinds.Name(d.Kind));
                w.WriteString("ledger", Figure(d.Kind, d.Ledger));
                w.WriteString("provider", Figure(d.Kind, d.Provider));
                w.WriteString("delta", Figure(d.Kind, d.Delta));
                w.WriteString("cause", d.Cause);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A figure as text: USD for cost (from nano-units), the count otherwise.</summary>
    public static string Figure(ReconcileKind kind, long value) =>
        kind == ReconcileKind.Cost ? Money.Format(Money.FromNanos(value)) : value.ToString(CultureInfo.InvariantCulture);
}
