using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tollgate.Sqlite.Ledger;

/// <summary>
/// A prepared statement driven through SQLitePCL directly: parameters are bound by index with no per-execution
/// name lookup or boxing, which is what makes batched ingest fast. Used only on the store's write connection.
/// SQLite keeps bindings across executions, so a parameter whose value equals what it already holds is not bound
/// again (nulls, flags, provider/model/tenant names repeat from row to row): every bind call takes the
/// connection's mutex and frees the previous value, which the profile showed as a large share of ingest CPU.
/// Strings are bound as UTF-8 copies in the batch's <see cref="Utf8Arena"/> (<c>SQLITE_STATIC</c>).
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private const byte Unknown = 0, IsInt = 1, IsNull = 2, IsText = 3;
    private readonly Utf8Arena _arena;
    private readonly byte[] _kind;
    private readonly long[] _int;
    private readonly string?[] _text;
    private readonly int[] _generation;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;
    private readonly IntPtr _dbPtr;
    private readonly IntPtr _stmtPtr;
    private bool _stmtRef;
    private bool _disposed;

    public RawStatement(SqliteConnection connection, string sql, Utf8Arena arena)
    {
        _arena = arena;
        _db = connection.Handle ?? throw new InvalidOperationException("connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));

        // Held once for the statement's lifetime instead of per call (see NativeMethods).
        _stmt.DangerousAddRef(ref _stmtRef);
        _stmtPtr = _stmt.DangerousGetHandle();
        _dbPtr = _db.DangerousGetHandle();
        var slots = NativeMethods.ParameterCount(_stmtPtr) + 1;
        _kind = new byte[slots];
        _int = new long[slots];
        _text = new string?[slots];
        _generation = new int[slots];
    }

    public void Bind(int index, long value)
    {
        if (_kind[index] == IsInt && _int[index] == value)
        {
            return;
        }

        _kind[index] = Unknown;
        Check(NativeMethods.BindInt64(_stmtPtr, index, value));
        _kind[index] = IsInt;
        _int[index] = value;
    }

    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            if (_kind[index] != IsNull)
            {
                _kind[index] = Unknown;
                Check(NativeMethods.BindNull(_stmtPtr, index));
                _kind[index] = IsNull;
            }

            return;
        }

        // The bound bytes live in the arena: reusable only within the generation they were copied in.
        if (_kind[index] == IsText && _generation[index] == _arena.Generation && string.Equals(_text[index], value, StringComparison.Ordinal))
        {
            return;
        }

        _kind[index] = Unknown;
        var (pointer, length) = _arena.Encode(value);
        Check(NativeMethods.BindText(_stmtPtr, index, pointer, length, NativeMethods.Static));
        _kind[index] = IsText;
        _text[index] = value;
        _generation[index] = _arena.Generation;
    }

    /// <summary>Binds a blob, copied by SQLite (a few hundred bytes a row, on the few latency rollup rows of a batch).</summary>
    public unsafe void Bind(int index, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _kind[index] = Unknown;
        fixed (byte* bytes = value)
        {
            // A non-null pointer even for an empty histogram: a null one would bind NULL.
            byte empty = 0;
            Check(NativeMethods.BindBlob(_stmtPtr, index, value.Length == 0 ? &empty : bytes, value.Length, NativeMethods.Transient));
        }
    }

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

    /// <summary>Runs a statement that returns one integer (e.g. <c>RETURNING id</c>) and returns it.</summary>
    public long ExecuteScalarInt64()
    {
        var rc = NativeMethods.Step(_stmtPtr);
        var value = rc == raw.SQLITE_ROW ? NativeMethods.ColumnInt64(_stmtPtr, 0) : 0;
        NativeMethods.Reset(_stmtPtr);
        if (rc != raw.SQLITE_ROW)
        {
            Check(rc == raw.SQLITE_DONE ? raw.SQLITE_ERROR : rc);
        }

        return value;
    }

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
