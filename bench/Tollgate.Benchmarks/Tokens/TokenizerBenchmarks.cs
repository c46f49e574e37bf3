using System.Text;
using BenchmarkDotNet.Attributes;
using Tollgate.Tokens;

namespace Tollgate.Benchmarks.Tokens;

/// <summary>
/// Tokenizer throughput on the shared corpus (shared/data/tokens): one count per file (like tiktoken's
/// <c>encode_ordinary</c> in bench.mjs "whole" mode) and per ~4 KB message ("chunk4k"). MB/s = file bytes / mean time.
/// Run: <c>dotnet run -c Release --project bench/Tollgate.Benchmarks -- --filter '*TokenizerBenchmarks*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private string _mixed = "";
    private byte[] _mixedUtf8 = [];
    private string[] _mixedChunks = [];
    private string _prose = "";
    private string _cjk = "";

    [Params("o200k_base", "cl100k_base")]
    public string Encoding { get; set; } = "o200k_base";

    private TiktokenEncoding _encoding = TiktokenEncoding.O200kBase;

    [GlobalSetup]
    public void Setup()
    {
        var dir = CorpusDirectory();
        _mixed = File.ReadAllText(Path.Combine(dir, "mixed.txt"), new UTF8Encoding(false));
        _mixedUtf8 = File.ReadAllBytes(Path.Combine(dir, "mixed.txt"));
        _prose = File.ReadAllText(Path.Combine(dir, "prose.txt"), new UTF8Encoding(false));
        _cjk = File.ReadAllText(Path.Combine(dir, "cjk.txt"), new UTF8Encoding(false));
        _mixedChunks = Chunk(_mixed, 4096);
        _encoding = TiktokenEncoding.Get(Encoding);
        _encoding.CountTokens("warm up the vocabulary");
    }

    /// <summary>mixed.txt, 1,259,947 bytes, counted from a string.</summary>
    [Benchmark(Baseline = true)]
    public int MixedString() => _encoding.CountTokens(_mixed.AsSpan());

    /// <summary>mixed.txt counted straight from its UTF-8 bytes (what the CLI does).</summary>
    [Benchmark]
    public int MixedUtf8() => _encoding.CountTokens(_mixedUtf8.AsSpan());

    /// <summary>mixed.txt as ~4 KB messages, one call each (per-call overhead included).</summary>
    [Benchmark]
    public int MixedChunk4k()
    {
        var total = 0;
        foreach (var chunk in _mixedChunks)
        {
            total += _encoding.CountTokens(chunk.AsSpan());
        }

        return total;
    }

    /// <summary>prose.txt, 2,621,676 bytes.</summary>
    [Benchmark]
    public int Prose() => _encoding.CountTokens(_prose.AsSpan());

    /// <summary>cjk.txt, 1,258,385 bytes (long pre-tokens, many merges).</summary>
    [Benchmark]
    public int Cjk() => _encoding.CountTokens(_cjk.AsSpan());

    private static string[] Chunk(string text, int size)
    {
        var chunks = new List<string>();
        var current = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (current.Length > 0 && current.Length + line.Length + 1 > size)
            {
                chunks.Add(current.ToString());
                current.Clear();
            }

            current.Append(line).Append('\n');
        }

        chunks.Add(current.ToString());
        return [.. chunks];
    }

    private static string CorpusDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "tokens");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("shared/data/tokens was not found above the benchmark's directory.");
    }
}
