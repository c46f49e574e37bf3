using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Metering;
using Tollgate.Providers.Timeouts;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Settles an attempt that timed out after the provider had the request: recorded as <c>upstream_timeout</c> and
/// billed from Tollgate's own count (estimated), then the next candidate may be tried (nothing reached the client).
/// </summary>
internal sealed class TimeoutSettlement(ProxyServices services)
{
    public async ValueTask<AttemptResult<AttemptReply>> SettleAsync(CallContext call, string why)
    {
        call.FailureClass = UpstreamTimeoutException.ErrorClass;
        var format = call.NativeMessages ? WireFormat.Anthropic : WireFormat.OpenAI;
        using var nothing = new ResponseObserver(format, call.Endpoint.UsageDialect(services.Accounting.Pricing.Catalog, call.NativeMessages ? UsageWire.AnthropicMessages : UsageWire.OpenAiChat), collectText: false);
        await services.Accounting.SettleAsync(call, nothing, StatusCodes.Status504GatewayTimeout, cutOff: true, CancellationToken.None);
        services.Logger.LogWarning("request {RequestId}: provider {Provider} timed out: {Error}; billed from counted tokens", call.RequestId, call.Endpoint.Name, why);
        return AttemptReply.Unreachable($"provider '{call.Endpoint.Name}' timed out: {why}");
    }
}
