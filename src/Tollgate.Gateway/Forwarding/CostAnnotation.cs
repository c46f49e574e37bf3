using System.Globalization;
using System.Text;
using Tollgate.Costing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>The <c>,"tollgate":{…}</c> member appended to a stream's usage event so the cost arrives with it.</summary>
internal static class CostAnnotation
{
    public static void Write(PooledBuffer output, string requestId, Settlement settlement)
    {
        output.Write(",\"tollgate\":{\"request_id\":\""u8);
        WriteAscii(output, requestId);
        output.Write("\",\"cost\":\""u8);
        WriteAscii(output, Money.Format(settlement.Cost.TotalCost));
        output.Write("\",\"currency\":\""u8);
        WriteAscii(output, settlement.Cost.Currency);
        output.Write("\",\"priced\":"u8);
        output.Write(settlement.Cost.Priced ? "true"u8 : "false"u8);
        output.Write(",\"estimated\":"u8);
        output.Write(settlement.Estimated ? "true"u8 : "false"u8);
        if (settlement.BudgetRemaining is { } remaining)
        {
            output.Write(",\"budget_remaining\":\""u8);
            WriteAscii(output, Money.Format(remaining));
            output.Write("\""u8);
        }

        output.Write("}"u8);
    }

    private static void WriteAscii(PooledBuffer output, string value)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        output.Advance(Encoding.UTF8.GetBytes(value, span));
    }

    internal static string Describe(decimal amount) => amount.ToString(CultureInfo.InvariantCulture);
}
