using System.Runtime.CompilerServices;

namespace Tollgate.Tokens;

/// <summary>
/// tiktoken's byte-pair merge of one pre-token: repeatedly merge the adjacent pair whose concatenation has the
/// lowest rank (the leftmost on ties) until no pair is a token. Short pieces use tiktoken's own array algorithm;
/// long ones a heap over a linked list, which merges in exactly the same order in O(n log n).
/// </summary>
internal static class BytePairEncoder
{
    private const int StackLimit = 24;      // quadratic merge is cheapest for short pieces

    [ThreadStatic]
    private static int[]? t_ints;

    [ThreadStatic]
    private static long[]? t_heap;

    /// <summary>The tokens of <paramref name="piece"/>; when <paramref name="output"/> is given, their ranks are appended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Encode(Vocabulary vocabulary, ReadOnlySpan<byte> piece, List<int>? output)
    {
        if (piece.Length == 0)
        {
            return 0;
        }

        var whole = vocabulary.Rank(piece);
        if (whole != Vocabulary.NoRank)
        {
            output?.Add(whole);
            return 1;
        }

        return piece.Length <= StackLimit ? MergeSmall(vocabulary, piece, output) : MergeLarge(vocabulary, piece, output);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MergeSmall(Vocabulary vocabulary, ReadOnlySpan<byte> piece, List<int>? output)
    {
        var n = piece.Length;
        Span<int> starts = stackalloc int[StackLimit + 1];
        Span<int> ranks = stackalloc int[StackLimit + 1];
        var minRank = Vocabulary.NoRank;
        var minIndex = -1;
        for (var i = 0; i < n - 1; i++)
        {
            var r = vocabulary.Rank(piece.Slice(i, 2));
            if (r < minRank)
            {
                minRank = r;
                minIndex = i;
            }

            starts[i] = i;
            ranks[i] = r;
        }

        starts[n - 1] = n - 1;
        ranks[n - 1] = Vocabulary.NoRank;
        starts[n] = n;
        ranks[n] = Vocabulary.NoRank;
        var count = n + 1;

        while (minRank != Vocabulary.NoRank)
        {
            var i = minIndex;
            if (i > 0)
            {
                ranks[i - 1] = RankOf(vocabulary, piece, starts, count, i - 1);
            }

            ranks[i] = RankOf(vocabulary, piece, starts, count, i);
            starts.Slice(i + 2, count - i - 2).CopyTo(starts[(i + 1)..]);
            ranks.Slice(i + 2, count - i - 2).CopyTo(ranks[(i + 1)..]);
            count--;

            minRank = Vocabulary.NoRank;
            for (var k = 0; k < count - 1; k++)
            {
                if (ranks[k] < minRank)
                {
                    minRank = ranks[k];
                    minIndex = k;
                }
            }
        }

        if (output is not null)
        {
            for (var k = 0; k < count - 1; k++)
            {
                output.Add(vocabulary.Rank(piece[starts[k]..starts[k + 1]]));
            }
        }

        return count - 1;
    }

    // tiktoken's get_rank, evaluated before part i + 1 is removed.
    private static int RankOf(Vocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts, int count, int i) =>
        i + 3 < count ? vocabulary.Rank(piece[starts[i]..starts[i + 3]]) : Vocabulary.NoRank;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MergeLarge(Vocabulary vocabulary, ReadOnlySpan<byte> piece, List<int>? output)
    {
        var n = piece.Length;
        // Per-thread scratch, reused across calls: no allocation and no zeroing on the hot path.
        if (t_ints is null || t_ints.Length < 3 * n + 3)
        {
            t_ints = new int[Math.Max(3 * n + 3, 4096)];
            t_heap = new long[Math.Max(3 * n + 3, 4096)];
        }

        var ints = t_ints.AsSpan();
        var heap = t_heap.AsSpan();
        {
            // Part k starts at byte k while alive; next[k] is the start of the following part (n = end).
            var next = ints[..(n + 1)];
            var prev = ints.Slice(n + 1, n + 1);
            var rank = ints.Slice(2 * n + 2, n + 1);
            var heapCount = 0;
            for (var k = 0; k < n; k++)
            {
                next[k] = k + 1;
                prev[k] = k - 1;
                var r = k + 2 <= n ? vocabulary.Rank(piece.Slice(k, 2)) : Vocabulary.NoRank;
                rank[k] = r;
                if (r != Vocabulary.NoRank)
                {
                    Push(heap, ref heapCount, Key(r, k));
                }
            }

            var parts = n;
            while (heapCount > 0)
            {
                var key = Pop(heap, ref heapCount);
                var k = (int)(uint)key;

                // Skip stale entries: the part was merged away or its pair rank changed since it was queued
                // (a part only grows, so its rank never returns to an old value).
                if (rank[k] == Vocabulary.NoRank || Key(rank[k], k) != key)
                {
                    continue;
                }

                var m = next[k];
                var after = next[m];
                next[k] = after;
                if (after < n)
                {
                    prev[after] = k;
                }

                rank[m] = Vocabulary.NoRank;
                parts--;

                var rk = after < n ? vocabulary.Rank(piece[k..next[after]]) : Vocabulary.NoRank;
                rank[k] = rk;
                if (rk != Vocabulary.NoRank)
                {
                    Push(heap, ref heapCount, Key(rk, k));
                }

                var p = prev[k];
                if (p >= 0)
                {
                    var rp = vocabulary.Rank(piece[p..after]);
                    rank[p] = rp;
                    if (rp != Vocabulary.NoRank)
                    {
                        Push(heap, ref heapCount, Key(rp, p));
                    }
                }
            }

            if (output is not null)
            {
                for (var k = 0; k < n; k = next[k])
                {
                    output.Add(vocabulary.Rank(piece[k..next[k]]));
                }
            }

            return parts;
        }
    }

    // A binary min-heap of (rank << 32 | start): the smallest rank first, the leftmost on ties — tiktoken's order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Push(Span<long> heap, ref int count, long key)
    {
        var i = count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (heap[parent] <= key)
            {
                break;
            }

            heap[i] = heap[parent];
            i = parent;
        }

        heap[i] = key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Pop(Span<long> heap, ref int count)
    {
        var top = heap[0];
        var last = heap[--count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && heap[child + 1] < heap[child])
            {
                child++;
            }

            if (heap[child] >= last)
            {
                break;
            }

            heap[i] = heap[child];
            i = child;
        }

        heap[i] = last;
        return top;
    }

    private static long Key(int rank, int start) => ((long)rank << 32) | (uint)start;
}
