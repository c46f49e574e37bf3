using Microsoft.AspNetCore.Http;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>Sends an admitted attempt to its provider: byte for byte where the provider speaks the door's API, else through its adapter.</summary>
internal sealed class AttemptForwarder(PassthroughForwarder passthrough, TranslatedForwarder translated)
{
    public ValueTask<AttemptResult<AttemptReply>> ForwardAsync(HttpContext context, CallContext call, PooledBuffer body, RequestInfo info, CancellationToken aborted) =>
        !call.Endpoint.Passthrough && !call.NativeMessages && call.Operation != "responses"
            ? translated.ForwardAsync(context, call, body, info, aborted)
            : passthrough.ForwardAsync(context, call, body, info, aborted);
}
