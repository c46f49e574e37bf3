using System.Diagnostics;

namespace Tollgate.Gateway.Observability;

/// <summary>The gateway's trace source: one <c>chat</c>/<c>embeddings</c> span per call with GenAI attributes (created only when listened to).</summary>
internal static class GatewayTelemetry
{
    public const string SourceName = "Tollgate.Gateway";

    public static readonly ActivitySource Source = new(SourceName);
}
