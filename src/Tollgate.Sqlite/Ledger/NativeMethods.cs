using System.Runtime.InteropServices;

namespace Tollgate.Sqlite.Ledger;

/// <summary>
/// The handful of SQLite calls on the ingest hot path, imported directly from the same <c>e_sqlite3</c> library that
/// SQLitePCLRaw loads, taking raw handles. SQLitePCLRaw's SafeHandle overloads add-ref and release the handle on
/// every call (about 30 calls a record): measured at ~15% of ingest CPU. Handles stay owned by SQLitePCLRaw.
/// The bind calls skip the GC transition: they only copy a value into the statement and return (no I/O, no
/// callbacks, and the connection's mutex is uncontended because only the write gate's holder uses it).
/// </summary>
internal static class NativeMethods
{
    private const string Library = "e_sqlite3";

    /// <summary>SQLITE_STATIC: the caller keeps the value alive and unchanged until it is rebound.</summary>
    public static readonly IntPtr Static = IntPtr.Zero;

    [DllImport(Library, EntryPoint = "sqlite3_bind_int64")]
    [SuppressGCTransition]
    public static extern int BindInt64(IntPtr stmt, int index, long value);

    [DllImport(Library, EntryPoint = "sqlite3_bind_null")]
    [SuppressGCTransition]
    public static extern int BindNull(IntPtr stmt, int index);

    [DllImport(Library, EntryPoint = "sqlite3_bind_text")]
    [SuppressGCTransition]
    public static extern int BindText(IntPtr stmt, int index, IntPtr utf8, int bytes, IntPtr destructor);

    /// <summary>SQLITE_TRANSIENT: SQLite copies the value before the bind call returns.</summary>
    public static readonly IntPtr Transient = new(-1);

    [DllImport(Library, EntryPoint = "sqlite3_bind_blob")]
    public static extern unsafe int BindBlob(IntPtr stmt, int index, byte* value, int bytes, IntPtr destructor);

    [DllImport(Library, EntryPoint = "sqlite3_bind_parameter_count")]
    public static extern int ParameterCount(IntPtr stmt);

    [DllImport(Library, EntryPoint = "sqlite3_step")]
    public static extern int Step(IntPtr stmt);

    [DllImport(Library, EntryPoint = "sqlite3_reset")]
    public static extern int Reset(IntPtr stmt);

    [DllImport(Library, EntryPoint = "sqlite3_column_int64")]
    [SuppressGCTransition]
    public static extern long ColumnInt64(IntPtr stmt, int column);

    [DllImport(Library, EntryPoint = "sqlite3_changes")]
    [SuppressGCTransition]
    public static extern int Changes(IntPtr db);
}
