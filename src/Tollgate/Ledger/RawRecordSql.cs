namespace Tollgate.Ledger;

/// <summary>
/// How a relational store sums its raw records in a report (the few pieces a <see cref="RollupPlan"/> cannot read from
/// rollups, and session reports): the sums in rollup column order, the whole unix second of <c>ts</c>, and the
/// parameter value for a <c>ts</c> bound given in unix microseconds, the value of the tag whose key a placeholder holds
/// (null when the record has no such tag), the start of the UTC day of <c>ts</c> in unix seconds, whether the <c>tags</c>
/// text contains the text a placeholder holds (a cheap test before <see cref="TagValue"/> parses it), and how a latency
/// rollup's <c>histogram</c> column is selected (the store decodes what it gives).
/// </summary>
internal sealed record RawRecordSql(
    string Sums, string SecondOfTs, Func<long, object> TsParameter, Func<string, string> TagValue, string DayOfTs, Func<string, string> TagsContain,
    string Histogram = "histogram");
