using System.Runtime.InteropServices;

namespace Tollgate.Sqlite.Ledger;

/// <summary>
/// The handful of SQLite calls on the ingest hot path, imported directly from the same <c>e_sqlite3</c> library that
/// SQLitePCLRaw loads, taking raw handles. SQLitePCLRaw's SafeHandle overloads add-ref and release the handle on
/// every call (about 30 calls a record): measured at ~15% of ingest CPU. Handles stay owned by SQLitePCLRaw.
/// </summary>
internal static class NativeMethods
{
    private const string Library = "e_sqlite3";

    /// <summary>SQLITE_TRANSIENT: SQLite copies the value before the call returns.</summary>
    public static readonly IntPtr Transient = new(-1);

    [DllImport(Library, EntryPoint = "sqlite3_bind_int64")]
    public static extern int BindInt64(IntPtr stmt, int index, long value);

    [DllImport(Library, EntryPoint = "sqlite3_bind_null")]
    public static extern int BindNull(IntPtr stmt, int index);

    // The string is pinned, not copied; SQLite converts the UTF-16 to UTF-8 itself (SQLITE_TRANSIENT copies it).
    [DllImport(Library, EntryPoint = "sqlite3_bind_text16")]
    public static extern int BindText16(IntPtr stmt, int index, [MarshalAs(UnmanagedType.LPWStr)] string value, int bytes, IntPtr destructor);

    [DllImport(Library, EntryPoint = "sqlite3_step")]
    public static extern int Step(IntPtr stmt);

    [DllImport(Library, EntryPoint = "sqlite3_reset")]
    public static extern int Reset(IntPtr stmt);

    [DllImport(Library, EntryPoint = "sqlite3_changes")]
    public static extern int Changes(IntPtr db);
}
