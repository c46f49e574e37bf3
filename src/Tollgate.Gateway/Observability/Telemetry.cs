using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Tollgate.Gateway.Configuration;

namespace Tollgate.Gateway.Observability;

/// <summary>Exports the gateway's GenAI metrics and traces over OTLP when an endpoint is configured (nothing is collected otherwise).</summary>
internal static class Telemetry
{
    public static void Configure(WebApplicationBuilder builder, GatewayOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            return;
        }

        var endpoint = new Uri(options.OtlpEndpoint);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(GatewayMetrics.MeterName).AddOtlpExporter(o => o.Endpoint = endpoint))
            .WithTracing(tracing => tracing.AddSource(GatewayTelemetry.SourceName).AddOtlpExporter(o => o.Endpoint = endpoint));
    }
}
