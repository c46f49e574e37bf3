using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI.Internal;

namespace Tollgate.Extensions.AI;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> middleware that puts every embedding call through Tollgate:
/// the input is counted, priced and held against the budgets that apply (refusal →
/// <see cref="TollgateBudgetExceededException"/>), then the reported usage (or the counted input, flagged
/// estimated) is priced, settled and recorded once.
/// </summary>
public sealed class TollgateEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly CallMeter _meter;

    public TollgateEmbeddingGenerator(
        IEmbeddingGenerator<string, Embedding<float>> innerGenerator, TollgateEngine engine, TollgateChatClientOptions? options = null)
        : base(innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var metadata = innerGenerator.GetService(typeof(EmbeddingGeneratorMetadata)) as EmbeddingGeneratorMetadata;
        _meter = new CallMeter(engine, options ?? new TollgateChatClientOptions(), metadata?.ProviderName, metadata?.DefaultModelId);
    }

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var (call, sent) = await _meter.BeginEmbeddingAsync(values, options, cancellationToken);
        GeneratedEmbeddings<Embedding<float>> result;
        try
        {
            result = await base.GenerateAsync(values, sent, cancellationToken);
        }
        catch (Exception ex)
        {
            await _meter.FailAsync(call, ex);
            throw;
        }

        var reported = result.Usage?.InputTokenCount is not null;
        var problem = reported ? CallMeter.UsageProblem(call, result.Usage) : null;
        var usage = reported && problem is null ? UsageDetailsMapper.ToUsage(result.Usage) : CallMeter.CountedUsage(call, problem is null ? result.Usage : null, 0);
        var model = result.Count > 0 ? result[0].ModelId : null;
        var record = await _meter.SettleAsync(call, usage, estimated: !reported || problem is not null, model, usageProblem: problem);
        if (record is not null)
        {
            (result.AdditionalProperties ??= [])[TollgatePropertyKeys.RequestId] = record.RequestId;
            result.AdditionalProperties[TollgatePropertyKeys.Cost] = record.TotalCost;
        }

        return result;
    }
}
