namespace Tollgate.Hosting;

/// <summary>
/// Who may keep a SQLite file's budget counters, decided with an advisory lock on <c>{file}.counters.lock</c>
/// (flock; the kernel drops it when the process dies, also on SIGKILL): a process that keeps counters in its memory
/// (write-behind) holds it exclusively; a process that uses the file's transactional counters holds it shared. So an
/// in-memory owner and any other user of the file exclude each other, and transactional users share freely.
/// </summary>
internal sealed class CounterOwnership : IDisposable
{
    private readonly FileStream _lock;

    private CounterOwnership(FileStream held, bool exclusive)
    {
        _lock = held;
        Exclusive = exclusive;
    }

    public bool Exclusive { get; }

    public static string LockPathFor(string databasePath) => Path.GetFullPath(databasePath) + ".counters.lock";

    /// <summary>The exclusive lock, or null when another process uses the file.</summary>
    public static CounterOwnership? TryExclusive(string databasePath)
    {
        var path = Prepare(databasePath);
        try
        {
            return new CounterOwnership(new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None), exclusive: true);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A shared lock, or null when a process keeps the file's counters in its memory.</summary>
    public static CounterOwnership? TryShared(string databasePath)
    {
        var path = Prepare(databasePath);
        try
        {
            // Read-only with sharing: .NET takes flock(LOCK_SH) for it (an exclusive holder makes this fail).
            return new CounterOwnership(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), exclusive: false);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Prepare(string databasePath)
    {
        var path = LockPathFor(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        if (!File.Exists(path))
        {
            try
            {
                // A momentary shared lock while creating: at worst another starter sees the file in use and keeps its
                // counters in the store, which is always safe.
                using (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                {
                }
            }
            catch (IOException) when (File.Exists(path))
            {
                // Created (or held) by another process meanwhile.
            }
        }

        return path;
    }

    public void Dispose() => _lock.Dispose();
}
