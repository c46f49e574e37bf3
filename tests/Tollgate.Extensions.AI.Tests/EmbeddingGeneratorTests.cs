using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI.Tests.Fakes;
using Tollgate.Extensions.AI.Tests.Infrastructure;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Tests;

public sealed class EmbeddingGeneratorTests
{
    [Fact]
    public async Task GenerateAsync_ReportedUsage_RecordsExactCost()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeEmbeddingGenerator("openai", "text-embedding-3-small") { TokensPerValue = 500_000 };
        using var generator = inner.WithTollgate(tollgate.Engine);

        using (tollgate.Engine.BeginScope(tenant: "t1"))
        {
            var result = await generator.GenerateAsync(["first", "second"], cancellationToken: Ct);
            Assert.Equal(2, result.Count);
        }

        // 1,000,000 input tokens × $0.02/M.
        var record = await tollgate.SingleRecordAsync();
        Assert.Equal(0.02m, record.TotalCost);
        Assert.Equal(("embeddings", "t1", false), (record.ApiFlavor, record.Tenant, record.Estimated));
    }

    [Fact]
    public async Task GenerateAsync_NoUsageReported_BillsCountedInputFlaggedEstimated()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeEmbeddingGenerator("openai", "text-embedding-3-small") { TokensPerValue = null };
        using var generator = inner.WithTollgate(tollgate.Engine);
        string[] values = ["The quick brown fox", "jumps over the lazy dog"];

        await generator.GenerateAsync(values, cancellationToken: Ct);

        var record = await tollgate.SingleRecordAsync();
        var counted = values.Sum(v => TiktokenEncoding.Cl100kBase.CountTokens(v));
        Assert.True(record.Estimated);
        Assert.Equal(counted, record.Usage.InputTokens);
        Assert.Equal(counted * 0.02m / 1_000_000m, record.TotalCost);
    }

    [Fact]
    public async Task EmbeddingMiddleware_AsUseDelegate_WrapsTheInnerGenerator()
    {
        await using var tollgate = new TestTollgate();
        Func<IEmbeddingGenerator<string, Embedding<float>>, IEmbeddingGenerator<string, Embedding<float>>> middleware = tollgate.Engine.EmbeddingMiddleware;

        using var generator = middleware(new FakeEmbeddingGenerator());
        await generator.GenerateAsync(["x"], cancellationToken: Ct);

        Assert.IsType<TollgateEmbeddingGenerator>(generator);
        Assert.Single(await tollgate.RecordsAsync());
    }
}
