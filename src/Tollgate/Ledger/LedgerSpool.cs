using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Tollgate.Ledger;

/// <summary>
/// A durable local queue for records the store could not take: an append-only JSON-lines file, fsync'd before an
/// append is acknowledged. Replay hands the records to the store (idempotent on the record key) and only then
/// empties the file, so a crash at any point loses nothing and doubles nothing. Not thread-safe: one owner
/// (the <see cref="LedgerWriter"/> loop) uses it.
/// </summary>
public sealed class LedgerSpool
{
    private const int ReplayBatchSize = 5000;

    public LedgerSpool(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    public string Path { get; }

    /// <summary>True when the spool file holds records waiting for replay.</summary>
    public bool HasPending => File.Exists(Path) && new FileInfo(Path).Length > 0;

    /// <summary>Appends the records and flushes them to disk (fsync) before returning.</summary>
    public async ValueTask AppendAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(records.Count * 512);
        foreach (var record in records)
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                LedgerJsonLines.Write(writer, record);
            }

            buffer.Write("\n"u8);
        }

        await using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Appends every spooled record to <paramref name="store"/>, then empties the spool. Throws (leaving the spool
    /// intact) when the store fails. A torn last line — a write that never completed, so never acknowledged — is dropped.
    /// </summary>
    public async ValueTask<LedgerAppendResult> ReplayAsync(ILedgerStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var total = default(LedgerAppendResult);
        if (!HasPending)
        {
            return total;
        }

        await using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream, Encoding.UTF8))
        {
            var batch = new List<UsageRecord>(ReplayBatchSize);
            await foreach (var line in LedgerJsonLines.ReadAsync(reader, cancellationToken))
            {
                if (line.Record is null)
                {
                    continue;
                }

                batch.Add(line.Record);
                if (batch.Count == ReplayBatchSize)
                {
                    total += await store.AppendAsync(batch, cancellationToken);
                    batch = new List<UsageRecord>(ReplayBatchSize);
                }
            }

            if (batch.Count > 0)
            {
                total += await store.AppendAsync(batch, cancellationToken);
            }
        }

        await using (var truncate = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.Read))
        {
            truncate.SetLength(0);
            truncate.Flush(flushToDisk: true);
        }

        return total;
    }
}
