using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI.Internal;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI;

/// <summary>
/// <see cref="IChatClient"/> middleware that puts every call through Tollgate: before the call it counts the prompt,
/// prices the worst case and holds it against every budget that applies (throwing
/// <see cref="TollgateBudgetExceededException"/> when one refuses, or sending adapted options when an adaptive budget
/// changes the request); after the call it prices the provider-reported usage exactly, settles the hold and records
/// one ledger record. A stream is billed from its <see cref="UsageContent"/>; a stream that is cancelled, abandoned
/// or fails midway is billed from the tokens counted so far and flagged estimated.
/// </summary>
public sealed class TollgateChatClient : DelegatingChatClient
{
    private readonly CallMeter _meter;

    public TollgateChatClient(IChatClient innerClient, TollgateEngine engine, TollgateChatClientOptions? options = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var metadata = innerClient.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata;
        _meter = new CallMeter(engine, options ?? new TollgateChatClientOptions(), metadata?.ProviderName, metadata?.DefaultModelId);
    }

    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var begun = _meter.BeginChatAsync(messages, options, cancellationToken);
        if (!begun.IsCompletedSuccessfully)
        {
            return GetResponseAfterHoldAsync(begun, messages, cancellationToken);
        }

        // The hold was taken at once (the usual case): no state machine unless something below has to wait.
        var (call, sent) = begun.Result;
        var answer = Send(messages, sent, cancellationToken);
        if (!answer.IsCompletedSuccessfully)
        {
            return CompleteAsync(call, answer);
        }

        // The answer is already there: settle now and hand back the inner client's own (completed) task, whose
        // response now carries the cost.
        var settled = SettleAsync(call, answer.Result);
        return settled.IsCompletedSuccessfully ? answer : AfterSettledAsync(settled, answer);
    }

    private async Task<ChatResponse> GetResponseAfterHoldAsync(
        ValueTask<(MeteredCall Call, ChatOptions? Options)> begun, IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        var (call, sent) = await begun;
        return await CompleteAsync(call, Send(messages, sent, cancellationToken));
    }

    /// <summary>The inner client's answer; one that throws instead of returning a task is turned into a faulted task.</summary>
    private Task<ChatResponse> Send(IEnumerable<ChatMessage> messages, ChatOptions? sent, CancellationToken cancellationToken)
    {
        try
        {
            return base.GetResponseAsync(messages, sent, cancellationToken);
        }
        catch (Exception ex)
        {
            return Task.FromException<ChatResponse>(ex);
        }
    }

    private async Task<ChatResponse> CompleteAsync(MeteredCall call, Task<ChatResponse> answer)
    {
        ChatResponse response;
        try
        {
            response = await answer;
        }
        catch (Exception ex)
        {
            await _meter.FailAsync(call, ex);
            throw;
        }

        await SettleAsync(call, response);
        return response;
    }

    private static async Task<ChatResponse> AfterSettledAsync(ValueTask settled, Task<ChatResponse> answer)
    {
        await settled;
        return await answer;
    }

    /// <summary>Bills the response (its reported usage, or the counted tokens when it reports none) and writes the cost into it.</summary>
    private async ValueTask SettleAsync(MeteredCall call, ChatResponse response)
    {
        var reported = UsageDetailsMapper.HasTokenCounts(response.Usage);
        var problem = reported ? CallMeter.UsageProblem(call, response.Usage) : null;
        var usage = reported && problem is null
            ? UsageDetailsMapper.ToUsage(response.Usage)
            : CallMeter.CountedUsage(call, problem is null ? response.Usage : null, CountOutput(call.Tokenizer, response));
        var record = await _meter.SettleAsync(call, usage, estimated: !reported || problem is not null, response.ModelId, usageProblem: problem);
        if (record is not null)
        {
            var properties = response.AdditionalProperties ??= [];
            properties[TollgatePropertyKeys.RequestId] = record.RequestId;
            properties[TollgatePropertyKeys.Cost] = record.TotalCost;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (call, sent) = await _meter.BeginChatAsync(messages, options, cancellationToken);
        var counter = StreamingTokenCounter.For(call.Tokenizer.Encoding);
        UsageDetails? reported = null;
        string? responseModel = null;
        Exception? failure = null;
        var completed = false;
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        try
        {
            updates = base.GetStreamingResponseAsync(messages, sent, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                // A yield cannot sit in a try with a catch: move, observe and remember the failure here, yield below.
                ChatResponseUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        completed = true;
                        break;
                    }

                    update = updates.Current;
                    responseModel ??= update.ModelId;
                    Observe(update, counter, ref reported);
                }
                catch (Exception ex)
                {
                    failure = ex;
                    throw;
                }

                yield return update;
            }
        }
        finally
        {
            if (updates is not null)
            {
                await updates.DisposeAsync();
            }

            await SettleStreamAsync(call, reported, counter, responseModel, completed, failure);
        }
    }

    private async ValueTask SettleStreamAsync(
        MeteredCall call, UsageDetails? reported, StreamingTokenCounter counter, string? responseModel, bool completed, Exception? failure)
    {
        var problem = UsageDetailsMapper.HasTokenCounts(reported) ? CallMeter.UsageProblem(call, reported) : null;
        if (completed && problem is null && UsageDetailsMapper.HasTokenCounts(reported))
        {
            await _meter.SettleAsync(call, UsageDetailsMapper.ToUsage(reported), estimated: false, responseModel);
            return;
        }

        // Cut off (cancelled, abandoned by the consumer, failed), no usage reported or usage that cannot be billed: the
        // provider still billed the prompt and what it generated, so bill the counted tokens and flag the record as estimated.
        var usage = CallMeter.CountedUsage(call, problem is null ? reported : null, call.Tokenizer.Scale(counter.Count).Tokens);
        var errorClass = completed ? null : failure is null ? "cut_off" : CallMeter.ErrorClassOf(failure);
        await _meter.SettleAsync(call, usage, estimated: true, responseModel, errorClass, problem);
    }

    private static void Observe(ChatResponseUpdate update, StreamingTokenCounter counter, ref UsageDetails? reported)
    {
        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case UsageContent usage:
                    // Summed like ChatResponseExtensions.ToChatResponse does, so the bill matches what M.E.AI reports.
                    (reported ??= new UsageDetails()).Add(usage.Details);
                    break;
                case TextContent text:
                    counter.Append(text.Text);
                    break;
                case TextReasoningContent reasoning:
                    counter.Append(reasoning.Text);
                    break;
                case FunctionCallContent functionCall:
                    counter.Append(functionCall.Name);
                    break;
            }
        }
    }

    private static long CountOutput(ModelTokenizer tokenizer, ChatResponse response)
    {
        long tokens = 0;
        foreach (var message in response.Messages)
        {
            foreach (var content in message.Contents)
            {
                tokens += content switch
                {
                    TextContent text => tokenizer.Encoding.CountTokens(text.Text ?? ""),
                    TextReasoningContent reasoning => tokenizer.Encoding.CountTokens(reasoning.Text ?? ""),
                    FunctionCallContent call => tokenizer.Encoding.CountTokens(call.Name),
                    _ => 0,
                };
            }
        }

        return tokenizer.Scale(tokens).Tokens;
    }
}
