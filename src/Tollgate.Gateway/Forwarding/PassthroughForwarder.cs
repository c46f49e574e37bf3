using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Metering;
using Tollgate.Providers.Timeouts;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Forwards the request body byte for byte (the model name, <c>stream_options</c> or an adaptation spliced in only when
/// they must change) to a provider that speaks the door's API, and hands its answer to the stream or body relay.
/// </summary>
internal sealed class PassthroughForwarder(ProxyServices services, StreamResponseRelay streams, BodyResponseRelay bodies, TimeoutSettlement timeouts)
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    public async ValueTask<AttemptResult<AttemptReply>> ForwardAsync(HttpContext context, CallContext call, PooledBuffer body, RequestInfo info, CancellationToken aborted)
    {
        var endpoint = call.Endpoint;
        var time = services.Time;
        var responses = call.Operation == "responses";

        // Chat streams need stream_options.include_usage; a Responses stream always ends with its usage (response.completed).
        var ensureUsage = endpoint.Format == WireFormat.OpenAI && !responses;
        PooledBuffer? patched = null;
        if (BodyPatcher.NeedsPatch(info, call.UpstreamModel, ensureUsage, call.Adaptation))
        {
            patched = BodyPatcher.Patch(body.Span, info, call.UpstreamModel, ensureUsage, call.Adaptation, call.AddedOutputLimit);
        }

        var sendBody = patched ?? body;
        var uri = call.NativeMessages ? endpoint.MessagesUri
            : call.Operation == "embeddings" ? endpoint.EmbeddingsUri
            : responses ? endpoint.ResponsesUri
            : endpoint.ChatCompletionsUri;
        HttpResponseMessage upstreamResponse;
        var bytes = new ByteArrayContent(sendBody.Array, 0, sendBody.Length);
        bytes.Headers.ContentType = JsonContentType;
        var content = new SendTrackingContent(bytes);
        call.Deadline = DeadlineStream.DeadlineOf(call.StartTimestamp, endpoint.Options.TotalTimeout, time);
        using (var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content })
        {
            UpstreamCredentials.Add(request, endpoint, context.Request);
            UpstreamConnect.Limit(request, endpoint.Options.ConnectTimeout);
            var firstByteLimit = UpstreamTimeouts.FirstByte(endpoint.Options, call.Deadline, time);
            using var firstByte = new CancellationTokenSource(firstByteLimit, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, firstByte.Token);
            try
            {
                upstreamResponse = await endpoint.Invoker.SendAsync(request, linked.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
            {
                patched?.Dispose();
                if (!aborted.IsCancellationRequested && firstByte.IsCancellationRequested && content.Sent)
                {
                    // The provider had the whole request and may bill it: recorded and billed from Tollgate's count, flagged.
                    return await timeouts.SettleAsync(call, $"sent no response headers within {firstByteLimit.TotalSeconds:0.###} s (time to first byte)");
                }

                await services.Accounting.ReleaseAsync(call, CancellationToken.None);
                if (aborted.IsCancellationRequested)
                {
                    // The client left before the provider answered: nothing learnt about the provider.
                    return new AttemptResult<AttemptReply>(AttemptReply.Done, AttemptOutcome.Local);
                }

                // Never reached the provider (refused, DNS, timeout before headers): nothing billed, nothing recorded as spend.
                services.Logger.LogWarning("provider {Provider} unreachable for request {RequestId}: {Error}", endpoint.Name, call.RequestId, ex.GetType().Name);
                services.Metrics.RecordCall(endpoint.Name, call.UpstreamModel, 502, 0, 0, 0, time.GetElapsedTime(call.StartTimestamp).TotalSeconds, call.Operation);
                return AttemptReply.Unreachable($"provider '{endpoint.Name}' could not be reached ({ex.GetType().Name}); nothing was billed");
            }
        }

        using (upstreamResponse)
        {
            patched?.Dispose();
            var status = (int)upstreamResponse.StatusCode;
            var observerFormat = call.NativeMessages ? WireFormat.Anthropic : WireFormat.OpenAI;
            var wire = call.NativeMessages ? UsageWire.AnthropicMessages : call.Operation switch
            {
                "embeddings" => UsageWire.OpenAiEmbeddings,
                "responses" => UsageWire.OpenAiResponses,
                _ => UsageWire.OpenAiChat,
            };
            using var observer = new ResponseObserver(observerFormat, endpoint.UsageDialect(services.Accounting.Pricing.Catalog, wire), collectText: call.Stream);
            if (call.Stream && status == 200 && IsEventStream(upstreamResponse))
            {
                var events = new DeadlineStream(await upstreamResponse.Content.ReadAsStreamAsync(CancellationToken.None), endpoint.Options.IdleTimeout, call.Deadline, time);
                await streams.RelayAsync(context, call, events, observer, aborted);
                return AttemptReply.Answered;
            }

            return await bodies.RelayAsync(context, call, upstreamResponse, observer, status, aborted);
        }
    }

    private static bool IsEventStream(HttpResponseMessage response) =>
        string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
}
