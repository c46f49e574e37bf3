using Microsoft.Extensions.AI;

namespace Tollgate.Extensions.AI.Tests.Fakes;

/// <summary>A hand-written inner embedding generator: one fixed vector per input, with reported usage.</summary>
internal sealed class FakeEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public FakeEmbeddingGenerator(string provider = "openai", string model = "text-embedding-3-small")
    {
        Metadata = new EmbeddingGeneratorMetadata(provider, null, model, 3);
    }

    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <summary>Input tokens reported per value; null reports no usage.</summary>
    public int? TokensPerValue { get; set; } = 8;

    public List<EmbeddingGenerationOptions?> SeenOptions { get; } = [];

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        SeenOptions.Add(options);
        var list = values.ToList();
        var result = new GeneratedEmbeddings<Embedding<float>>(list.Select(_ => new Embedding<float>(new float[] { 0.1f, 0.2f, 0.3f })));
        if (TokensPerValue is { } perValue)
        {
            result.Usage = new UsageDetails { InputTokenCount = perValue * list.Count, TotalTokenCount = perValue * list.Count };
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(Metadata) ? Metadata : null;

    public void Dispose()
    {
    }
}
