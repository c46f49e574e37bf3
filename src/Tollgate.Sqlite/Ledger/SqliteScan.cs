using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Tollgate.Ledger;

namespace Tollgate.Sqlite.Ledger;

/// <summary>
/// Steps a <see cref="LedgerScanDecoder"/> select on the connection's own SQLite handle. A scan reads millions of rows
/// of twenty columns: column values are read straight from the bundled e_sqlite3 library (the same one
/// Microsoft.Data.Sqlite loads) through raw handles, without the per-value checks and handle reference counting of a
/// managed reader.
/// </summary>
internal static partial class SqliteScan
{
    private const string Library = "e_sqlite3";
    private const int Null = 5;

    public static sqlite3_stmt Prepare(SqliteConnection connection, string sql, IReadOnlyList<KeyValuePair<string, object>> parameters)
    {
        var db = connection.Handle!;
        Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
        foreach (var (name, value) in parameters)
        {
            var index = raw.sqlite3_bind_parameter_index(statement, name);
            Check(db, value switch
            {
                long number => raw.sqlite3_bind_int64(statement, index, number),
                string text => raw.sqlite3_bind_text(statement, index, text),
                _ => throw new ArgumentException($"unsupported parameter type {value.GetType().Name}", nameof(parameters)),
            });
        }

        return statement;
    }

    /// <summary>The next row's record, or null after the last.</summary>
    public static UsageRecord? Next(SqliteConnection connection, sqlite3_stmt statement, LedgerScanDecoder decoder)
    {
        var rc = raw.sqlite3_step(statement);
        if (rc == raw.SQLITE_DONE)
        {
            return null;
        }

        if (rc != raw.SQLITE_ROW)
        {
            Check(connection.Handle!, rc);
        }

        var stmt = statement.DangerousGetHandle();
        var texts = new TextColumns();
        for (var i = 0; i < LedgerScanDecoder.Texts; i++)
        {
            texts[i] = ColumnType(stmt, i) == Null ? null : decoder.Text(Column(stmt, i));
        }

        Span<long> numbers = stackalloc long[LedgerScanDecoder.Numbers];
        for (var i = 0; i < 5; i++)
        {
            numbers[i] = ColumnInt64(stmt, LedgerScanDecoder.Texts + 1 + i);
        }

        for (var i = 5; i < LedgerScanDecoder.Numbers; i++)
        {
            numbers[i] = ColumnInt64(stmt, LedgerScanDecoder.Texts + 2 + i);
        }

        const int extra = LedgerScanDecoder.Texts + 6;
        const int requestId = LedgerScanDecoder.Texts + 2 + LedgerScanDecoder.Numbers;
        return decoder.Record(texts, LedgerColumns.FromUnixMicros(ColumnInt64(stmt, LedgerScanDecoder.Texts)),
            ColumnType(stmt, extra) == Null ? null : decoder.Text(Column(stmt, extra)), numbers,
            Uncached(stmt, requestId) ?? "", Uncached(stmt, requestId + 1), Uncached(stmt, requestId + 2));
    }

    private static string? Uncached(nint stmt, int index) =>
        ColumnType(stmt, index) == Null ? null : System.Text.Encoding.UTF8.GetString(Column(stmt, index));

    private static unsafe ReadOnlySpan<byte> Column(nint stmt, int index)
    {
        var text = ColumnText(stmt, index);
        return text == null ? [] : new ReadOnlySpan<byte>(text, ColumnBytes(stmt, index));
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK && rc != raw.SQLITE_ROW && rc != raw.SQLITE_DONE)
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
        }
    }

    [InlineArray(LedgerScanDecoder.Texts)]
    private struct TextColumns
    {
        private string? _first;
    }

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
    private static partial long ColumnInt64(nint stmt, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_type")]
    private static partial int ColumnType(nint stmt, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_text")]
    private static unsafe partial byte* ColumnText(nint stmt, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
    private static partial int ColumnBytes(nint stmt, int index);
}
