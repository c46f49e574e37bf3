using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Forwarding;

namespace Tollgate.Gateway.Endpoints;

/// <summary>
/// The last word on a store failure that escaped an endpoint (an admin or report query while PostgreSQL, Redis or the
/// SQLite file is away): 503 <c>store_unavailable</c> with <c>Retry-After</c> in the door's own error shape, never a 500.
/// </summary>
internal static class StoreFailureHandler
{
    public static void Use(IApplicationBuilder app) => app.Use(static async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (StoreFailure.Is(ex) && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Clear();
            RetryAdvice.Write(context.Response, StoreFailure.RetryAfter);
            await OpenAiError.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "Tollgate's store cannot be reached right now. Retry after a moment.", "api_error", "store_unavailable");
        }
    });
}
