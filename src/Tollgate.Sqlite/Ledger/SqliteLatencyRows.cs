using Microsoft.Data.Sqlite;
using SQLitePCL;
using Tollgate.Ledger;

namespace Tollgate.Sqlite.Ledger;

/// <summary>
/// A latency query's rows stepped on the connection's own SQLite handle (as <see cref="SqliteScan"/> steps a scan): a
/// month of tag or wide histogram rows is tens of thousands of rows, where a managed reader's per-value handle
/// reference counting and a new string per text value cost more than the query. Texts repeat (a few dimensions per
/// row): each distinct one is made once.
/// </summary>
internal sealed class SqliteLatencyRows : ILatencyRows
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;
    private readonly LedgerScanDecoder _texts = new();

    public SqliteLatencyRows(SqliteConnection connection, string sql, List<(string Name, object Value)> parameters)
    {
        _connection = connection;
        _statement = SqliteScan.Prepare(connection, sql, [.. parameters.Select(p => KeyValuePair.Create("@" + p.Name, p.Value))]);
    }

    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(SqliteScan.Step(_connection, _statement));
    }

    public long GetInt64(int column) => SqliteScan.ColumnInt64(_statement.DangerousGetHandle(), column);

    public string GetString(int column) =>
        SqliteScan.Column(_statement.DangerousGetHandle(), column, out var text) ? _texts.Text(text) : "";

    public LatencyHistogram GetHistogram(int column, bool negated) =>
        LatencyHistogram.OfEncoded(SqliteScan.Blob(_statement.DangerousGetHandle(), column).ToArray(), negated);

    public ValueTask DisposeAsync()
    {
        _statement.Dispose();
        return ValueTask.CompletedTask;
    }
}
