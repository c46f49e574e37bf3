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

    /// <summary>Steps <paramref name="statement"/>: true on a row, false when done; throws on an error.</summary>
    public static bool Step(SqliteConnection connection, sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        if (rc is not (raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            Check(connection.Handle!, rc);
        }

        return rc == raw.SQLITE_ROW;
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
            texts[i] = Column(stmt, i, out var text) ? decoder.Text(text) : null;
        }

        Span<long> numbers = stackalloc long[LedgerScanDecoder.Numbers];
        for (var i = 0; i < numbers.Length; i++)
        {
            numbers[i] = ColumnInt64(stmt, LedgerScanDecoder.NumberColumn(i));
        }

        const int requestId = LedgerScanDecoder.RequestIdColumn;
        return decoder.Record(texts, LedgerColumns.FromUnixMicros(ColumnInt64(stmt, LedgerScanDecoder.TimestampColumn)),
            Column(stmt, LedgerScanDecoder.UsageExtraColumn, out var usageExtra) ? decoder.Text(usageExtra) : null, numbers,
            Uncached(stmt, requestId) ?? "", Uncached(stmt, requestId + 1), Uncached(stmt, requestId + 2));
    }

    private static string? Uncached(nint stmt, int index) =>
        Column(stmt, index, out var text) ? System.Text.Encoding.UTF8.GetString(text) : null;

    /// <summary>A blob column's bytes (empty for SQL NULL or an empty blob).</summary>
    public static unsafe ReadOnlySpan<byte> Blob(nint stmt, int index)
    {
        var pointer = ColumnBlob(stmt, index);
        return pointer == null ? [] : new ReadOnlySpan<byte>(pointer, ColumnBytes(stmt, index));
    }

    /// <summary>A text column's UTF-8 bytes; false for SQL NULL (SQLite gives no pointer for it).</summary>
    public static unsafe bool Column(nint stmt, int index, out ReadOnlySpan<byte> text)
    {
        var pointer = ColumnText(stmt, index);
        text = pointer == null ? [] : new ReadOnlySpan<byte>(pointer, ColumnBytes(stmt, index));
        return pointer != null;
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

    // Reading a value of the current row is short, never blocks on another thread (the connection is this scan's
    // own) and never calls back into .NET: it needs no GC transition.
    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64"), SuppressGCTransition]
    public static partial long ColumnInt64(nint stmt, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_blob"), SuppressGCTransition]
    private static unsafe partial byte* ColumnBlob(nint stmt, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_text"), SuppressGCTransition]
    private static unsafe partial byte* ColumnText(nint stmt, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes"), SuppressGCTransition]
    private static partial int ColumnBytes(nint stmt, int index);
}
