using System.Runtime.InteropServices;
using System.Text;

namespace Tollgate.Sqlite.Ledger;

/// <summary>
/// UTF-8 copies of the strings bound during one batch, in pinned blocks that never move, so statements can bind
/// them with <c>SQLITE_STATIC</c>: no UTF-16 conversion and no malloc/free inside SQLite per value (both showed in
/// the ingest profile). <see cref="Reset"/> starts a new batch (a new <see cref="Generation"/>) and reuses the
/// blocks; values bound in an earlier generation must be bound again before the statement runs.
/// </summary>
internal sealed class Utf8Arena
{
    private const int BlockSize = 256 * 1024;
    private const int MaxKeptBlocks = 16;
    private readonly List<byte[]> _blocks = [];
    private readonly List<byte[]> _large = [];
    private int _block;
    private int _used;

    public int Generation { get; private set; } = 1;

    public void Reset()
    {
        Generation++;
        _large.Clear();
        if (_blocks.Count > MaxKeptBlocks)
        {
            // One unusually large batch should not pin its strings' worth of memory for the store's lifetime.
            _blocks.RemoveRange(MaxKeptBlocks, _blocks.Count - MaxKeptBlocks);
        }

        _block = 0;
        _used = 0;
    }

    /// <summary>Copies <paramref name="value"/> as UTF-8 and returns where it is; valid until the next <see cref="Reset"/>.</summary>
    public (IntPtr Pointer, int Length) Encode(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > BlockSize)
        {
            // A huge value (e.g. tags) gets a block of its own.
            var own = GC.AllocateUninitializedArray<byte>(max, pinned: true);
            _large.Add(own);
            return (Marshal.UnsafeAddrOfPinnedArrayElement(own, 0), Encoding.UTF8.GetBytes(value, own));
        }

        if (_block < _blocks.Count && _blocks[_block].Length - _used < max)
        {
            _block++;
            _used = 0;
        }

        if (_block == _blocks.Count)
        {
            _blocks.Add(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
            _used = 0;
        }

        var block = _blocks[_block];
        var length = Encoding.UTF8.GetBytes(value, block.AsSpan(_used));
        var pointer = Marshal.UnsafeAddrOfPinnedArrayElement(block, _used);
        _used += length;
        return (pointer, length);
    }
}
