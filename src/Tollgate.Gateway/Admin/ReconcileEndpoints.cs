using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Alerts;
using Tollgate.Costing;
using Tollgate.Gateway.Alerting;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Forwarding;
using Tollgate.Ledger;
using Tollgate.Pricing;
using Tollgate.Reconciliation;
using Tollgate.Reconciliation.Reading;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>POST /admin/reconcile</c> (admin key): <c>{"provider", "usage": [FILE…], "costs": [FILE…], "from", "to"}</c>, each
/// FILE the export's text as a string, the API's page(s) as JSON, or <c>{"name", "content"}</c>; answers the JSON of
/// <c>tollgate reconcile --json</c>, and raises a <c>reconciliation</c> alert when the capture rate is below
/// <c>reconciliation.minCaptureRate</c>. A bad file is a 400 naming it; nothing is compared.
/// </summary>
internal static class ReconcileEndpoints
{
    private static readonly string[] Fields = ["provider", "usage", "costs", "from", "to"];

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/reconcile", AdminContext.AdminOnly(async context =>
        {
            if (RequestBodyReader.NotJson(context.Request) is { } mediaType)
            {
                await RequestBodyReader.WriteNotJsonAsync(context, mediaType);
                return;
            }

            // Exports are larger than other admin bodies: the gateway's own request limit applies, not the admin API's 64 KiB.
            var options = context.Get<GatewayOptions>();
            var (body, tooLarge) = await RequestBodyReader.ReadAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
            if (tooLarge || body is null)
            {
                await OpenAiError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
                    $"the request body is larger than {options.MaxRequestBodyBytes} bytes: send fewer or smaller exports per request (the limit is maxRequestBodyBytes)", "invalid_request_error", "request_too_large");
                return;
            }

            // The document reads the pooled bytes in place: the buffer lives as long as the request.
            using var bytes = body;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(bytes.Memory);
            }
            catch (JsonException ex)
            {
                await OpenAiError.BadRequest(context, $"the request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})", code: "invalid_json");
                return;
            }

            using (document)
            {
                var (request, error, param) = Parse(document.RootElement);
                if (request is null)
                {
                    await OpenAiError.BadRequest(context, error!, param);
                    return;
                }

                await context.Get<CallAccounting>().FlushAsync(context.RequestAborted);
                var outcome = await new Reconciler(context.Get<CostEngine>().Catalog).RunAsync(context.Get<ILedgerStore>(), request, context.RequestAborted);
                if (outcome.Value is not { } result)
                {
                    await OpenAiError.BadRequest(context, outcome.Error!, null, "invalid_export");
                    return;
                }

                if (options.Reconciliation.MinCaptureRate is { } minimum && result.CaptureRate < minimum)
                {
                    await context.Get<GatewayAlerting>().Dispatcher.DispatchAsync(Alert(result, minimum, context.Get<TimeProvider>().GetUtcNow()), context.RequestAborted);
                }

                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(ReconciliationJson.Serialize(result), context.RequestAborted);
            }
        }));

    private static Alert Alert(ReconciliationResult result, decimal minimum, DateTimeOffset now) => new()
    {
        At = now,
        Severity = AlertSeverity.Warning,
        Kind = AlertKinds.Reconciliation,
        Message = string.Create(CultureInfo.InvariantCulture,
            $"reconciliation ({result.Provider}, {result.FirstDay:yyyy-MM-dd} … {result.LastDay:yyyy-MM-dd}): the ledger captured {result.CaptureRate:P1} of what the provider billed, below the configured {minimum:P1} — calls are reaching the provider without going through Tollgate"),
        Details = new Dictionary<string, string>
        {
            ["provider"] = result.Provider,
            ["from"] = result.FirstDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
            ["to"] = result.LastDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
            ["capture_rate"] = result.CaptureRate.ToString(CultureInfo.InvariantCulture),
            ["min_capture_rate"] = minimum.ToString(CultureInfo.InvariantCulture),
            ["provider_usd"] = Money.Format(Money.FromNanos(result.ProviderNanos)),
            ["ledger_usd"] = Money.Format(Money.FromNanos(result.LedgerNanos)),
            ["differences"] = result.Differences.Count.ToString(CultureInfo.InvariantCulture),
        },
    };

    private static (ReconciliationRequest? Request, string? Error, string? Param) Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "the request body must be a JSON object: {\"provider\": \"openai\", \"usage\": [...], \"costs\": [...]}", null);
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.Contains(property.Name))
            {
                return (null, $"\"{Printable(property.Name)}\" is not a field of this request: use {string.Join(", ", Fields)}", property.Name);
            }
        }

        if (!root.TryGetProperty("provider", out var provider) || provider.ValueKind != JsonValueKind.String
            || provider.GetString()!.Trim().ToLowerInvariant() is not ("openai" or "anthropic"))
        {
            return (null, "\"provider\" must be \"openai\" or \"anthropic\"", "provider");
        }

        var (usage, usageError) = Files(root, "usage");
        if (usage is null || usage.Count == 0)
        {
            return (null, usageError ?? "\"usage\" must list at least one usage export", "usage");
        }

        var (costs, costsError) = Files(root, "costs");
        if (costs is null)
        {
            return (null, costsError, "costs");
        }

        if (!Bound(root, "from", isEnd: false, out var from) || !Bound(root, "to", isEnd: true, out var to))
        {
            var name = Bound(root, "from", false, out _) ? "to" : "from";
            return (null, $"\"{name}\" must be a date (YYYY-MM-DD, UTC) or an ISO 8601 timestamp", name);
        }

        if (from is { } f && to is { } t && t <= f)
        {
            return (null, "\"to\" must be after \"from\"", "to");
        }

        return (new ReconciliationRequest { Provider = provider.GetString()!, Usage = usage, Costs = costs, From = from, To = to }, null, null);
    }

    private static (List<ProviderFile>? Files, string? Error) Files(JsonElement root, string name)
    {
        var files = new List<ProviderFile>();
        if (!root.TryGetProperty(name, out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return (files, null);
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            return (null, $"\"{name}\" must be an array of files (each the export's text, its JSON page(s), or {{\"name\", \"content\"}})");
        }

        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var label = $"{name}[{i++}]";
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    files.Add(new ProviderFile(label, item.GetString()!));
                    break;
                case JsonValueKind.Object when item.TryGetProperty("content", out var content):
                    if (content.ValueKind != JsonValueKind.String)
                    {
                        return (null, $"{label}.content must be the file's text as a string");
                    }

                    var given = item.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
                    files.Add(new ProviderFile(given.Length is > 0 and <= 200 && !given.Any(char.IsControl) ? $"{label} ({given})" : label, content.GetString()!));
                    break;
                case JsonValueKind.Object or JsonValueKind.Array:
                    files.Add(new ProviderFile(label, item.GetRawText()));
                    break;
                default:
                    return (null, $"{label} must be the export's text, its JSON page(s), or {{\"name\", \"content\"}}");
            }
        }

        return (files, null);
    }

    private static bool Bound(JsonElement root, string name, bool isEnd, out DateTimeOffset? bound)
    {
        bound = null;
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        var text = value.GetString()!;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            bound = new DateTimeOffset((isEnd ? day.AddDays(1) : day).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            bound = at;
            return true;
        }

        return false;
    }

    private static string Printable(string name) => name.Length > 64 || name.Any(char.IsControl) ? "(unprintable name)" : name;
}
