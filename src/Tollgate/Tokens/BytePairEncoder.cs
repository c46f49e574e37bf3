using System.Buffers;

namespace Tollgate.Tokens;

/// <summary>
/// tiktoken's byte-pair merge of one pre-token: repeatedly merge the adjacent pair whose concatenation has the
/// lowest rank (the leftmost on ties) until no pair is a token. Short pieces use tiktoken's own array algorithm;
/// long ones a heap over a linked list, which merges in exactly the same order in O(n log n).
/// </summary>
internal static class BytePairEncoder
{
    private const int StackLimit = 128;

    /// <summary>The tokens of <paramref name="piece"/>; when <paramref name="output"/> is given, their ranks are appended.</summary>
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

    private static int MergeLarge(Vocabulary vocabulary, ReadOnlySpan<byte> piece, List<int>? output)
    {
        var n = piece.Length;
        var pool = ArrayPool<int>.Shared;
        var next = pool.Rent(n + 1);
        var prev = pool.Rent(n + 1);
        var rank = pool.Rent(n + 1);
        try
        {
            // Part k starts at byte k while alive; next[k] is the start of the following part (n = end).
            var heap = new PriorityQueue<int, long>(n);
            for (var k = 0; k < n; k++)
            {
                next[k] = k + 1;
                prev[k] = k - 1;
                rank[k] = k + 2 <= n ? vocabulary.Rank(piece.Slice(k, 2)) : Vocabulary.NoRank;
                if (rank[k] != Vocabulary.NoRank)
                {
                    heap.Enqueue(k, Key(rank[k], k));
                }
            }

            var parts = n;
            while (heap.TryDequeue(out var k, out var key))
            {
                // Skip stale entries: the part was merged away or its pair rank changed since it was queued.
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

                rank[k] = after < n ? vocabulary.Rank(piece[k..next[after]]) : Vocabulary.NoRank;
                if (rank[k] != Vocabulary.NoRank)
                {
                    heap.Enqueue(k, Key(rank[k], k));
                }

                var p = prev[k];
                if (p >= 0)
                {
                    rank[p] = vocabulary.Rank(piece[p..next[k]]);
                    if (rank[p] != Vocabulary.NoRank)
                    {
                        heap.Enqueue(p, Key(rank[p], p));
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
        finally
        {
            pool.Return(next);
            pool.Return(prev);
            pool.Return(rank);
        }
    }

    private static long Key(int rank, int start) => ((long)rank << 32) | (uint)start;
}
