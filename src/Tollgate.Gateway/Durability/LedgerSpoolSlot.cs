namespace Tollgate.Gateway.Durability;

/// <summary>
/// The local spool file of this gateway process: <c>{dataDirectory}/ledger-spool/N.jsonl</c>, the first slot whose
/// <c>N.lock</c> this process can lock exclusively (flock; released by the kernel when the process dies, also on
/// SIGKILL). Instances sharing a data folder get a slot each; a restarted instance takes the first free slot and
/// replays what a dead one left there.
/// </summary>
internal sealed class LedgerSpoolSlot : IDisposable
{
    private const int MaxSlots = 64;
    private readonly FileStream _lock;

    private LedgerSpoolSlot(FileStream held, string path)
    {
        _lock = held;
        Path = path;
    }

    /// <summary>The spool file (may not exist yet).</summary>
    public string Path { get; }

    /// <summary>Locks the first free slot; null when all are taken or the folder cannot be written.</summary>
    public static LedgerSpoolSlot? TryTake(string dataDirectory)
    {
        var directory = System.IO.Path.Combine(System.IO.Path.GetFullPath(dataDirectory), "ledger-spool");
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        for (var slot = 0; slot < MaxSlots; slot++)
        {
            try
            {
                var held = new FileStream(System.IO.Path.Combine(directory, $"{slot}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new LedgerSpoolSlot(held, System.IO.Path.Combine(directory, $"{slot}.jsonl"));
            }
            catch (IOException)
            {
                // Another live process has this slot.
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }

        return null;
    }

    public void Dispose() => _lock.Dispose();
}
