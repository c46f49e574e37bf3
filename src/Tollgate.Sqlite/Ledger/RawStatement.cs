using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tollgate.Sqlite.Ledger;

/// <summary>
/// A prepared statement driven through SQLitePCL directly: parameters are bound by index with no per-execution
/// name lookup or boxing, which is what makes batched ingest fast. Used only on the store's write connection.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly IntPtr _dbPtr;
    private readonly IntPtr _stmtPtr;
    private bool _stmtRef;
    private bool _disposed;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));

        // Held once for the statement's lifetime instead of per call (see NativeMethods).
        _stmt.DangerousAddRef(ref _stmtRef);
        _stmtPtr = _stmt.DangerousGetHandle();
        _dbPtr = _db.DangerousGetHandle();
    }

    public void Bind(int index, long value) => Check(NativeMethods.BindInt64(_stmtPtr, index, value));

    public void Bind(int index, string? value) =>
        Check(value is null
            ? NativeMethods.BindNull(_stmtPtr, index)
            : NativeMethods.BindText16(_stmtPtr, index, value, value.Length * sizeof(char), NativeMethods.Transient));

    /// <summary>Runs the statement to completion and returns the rows it changed.</summary>
    public int Execute()
    {
        var rc = NativeMethods.Step(_stmtPtr);
        NativeMethods.Reset(_stmtPtr);
        if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW)
        {
            Check(rc);
        }

        return NativeMethods.Changes(_dbPtr);
    }

    /// <summary>Runs a single-value query and returns its first column as an integer.</summary>
    public long ExecuteScalarInt64()
    {
        var rc = raw.sqlite3_step(_stmt);
        try
        {
            if (rc != raw.SQLITE_ROW)
            {
                Check(rc);
                throw new SqliteException("SQLite returned no row", rc);
            }

            return raw.sqlite3_column_int64(_stmt, 0);
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    /// <summary>Steps through every row of a query.</summary>
    public void ForEachRow(Action<sqlite3_stmt> row)
    {
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(_stmt)) == raw.SQLITE_ROW)
            {
                row(_stmt);
            }

            Check(rc);
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    public static string Text(sqlite3_stmt stmt, int column) => raw.sqlite3_column_text(stmt, column).utf8_to_string();

    public static long Int64(sqlite3_stmt stmt, int column) => raw.sqlite3_column_int64(stmt, column);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_stmtRef)
        {
            _stmt.DangerousRelease();
        }

        _stmt.Dispose();
    }

    private void Check(int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW))
        {
            throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_db).utf8_to_string()}'.", rc);
        }
    }
}
