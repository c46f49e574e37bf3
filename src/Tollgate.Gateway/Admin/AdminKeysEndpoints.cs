using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Endpoints;
using Tollgate.Keys;

namespace Tollgate.Gateway.Admin;

/// <summary><c>POST /admin/keys</c>, <c>GET /admin/keys</c>, <c>DELETE /admin/keys/{id}</c>.</summary>
internal static class AdminKeysEndpoints
{
    public static void Map(IEndpointRouteBuilder app, IKeyStore store, KeyAuthenticator authenticator, TimeProvider time)
    {
        app.MapPost("/admin/keys", async context =>
        {
            if (await AdminAuth.RequireAdminAsync(context, authenticator) is not { } admin)
            {
                return;
            }

            context.Items[AdminAudit.ActorItem] = admin.Id;

            using var document = await AdminJsonBody.ReadAsync(context, KeyFields);
            if (document is null)
            {
                return;
            }

            var root = document.RootElement;
            string? error = null;
            var tenant = AdminJsonBody.OptionalString(root, "tenant", ref error, 128);
            var project = AdminJsonBody.OptionalString(root, "project", ref error, 128);
            var user = AdminJsonBody.OptionalString(root, "user", ref error, 128);
            var name = AdminJsonBody.OptionalString(root, "name", ref error);
            var rpm = AdminJsonBody.OptionalPositiveLong(root, "rpm", ref error);
            var tpm = AdminJsonBody.OptionalPositiveLong(root, "tpm", ref error);
            if (error is null && tenant is null)
            {
                error = "\"tenant\" is required: every key belongs to a tenant, e.g. {\"tenant\": \"acme\", \"project\": \"chatbot\", \"user\": \"alice\"}";
            }

            if (error is null && tenant == "*")
            {
                error = "\"tenant\" cannot be '*'";
            }

            if (error is not null)
            {
                await OpenAiError.BadRequest(context, error);
                return;
            }

            var plaintext = VirtualKeys.NewKey();
            var key = new VirtualKey
            {
                Id = VirtualKeys.NewId(),
                Tenant = tenant!,
                Project = project,
                User = user,
                Name = name,
                RequestsPerMinute = rpm,
                TokensPerMinute = tpm,
                CreatedAt = TruncateToMilliseconds(time.GetUtcNow()),
            };
            if (!await store.CreateAsync(key, KeyHash.Of(plaintext), context.RequestAborted))
            {
                await OpenAiError.WriteAsync(context, 409, "a key with the same id already exists; retry", "invalid_request_error", "conflict");
                return;
            }

            await AdminAudit.RecordAsync(context, "key.create", key.Id, null, Tollgate.Audit.AuditViews.Key(key));
            context.Response.StatusCode = StatusCodes.Status201Created;
            await context.Response.WriteAsJsonAsync(new CreatedKey(key.Id, plaintext, key.Tenant, key.Project, key.User, key.Name, key.RequestsPerMinute, key.TokensPerMinute, key.CreatedAt), GatewayJson.Options);
        });

        app.MapGet("/admin/keys", async context =>
        {
            if (await AdminAuth.RequireAdminAsync(context, authenticator) is null)
            {
                return;
            }

            var tenant = context.Request.Query["tenant"].ToString();
            var keys = await store.ListAsync(tenant.Length == 0 ? null : tenant, cancellationToken: context.RequestAborted);
            await context.Response.WriteAsJsonAsync(new { data = keys.Select(KeyView.From).ToList() }, GatewayJson.Options);
        });

        app.MapGet("/admin/keys/{id}", async context =>
        {
            if (await AdminAuth.RequireAdminAsync(context, authenticator) is null)
            {
                return;
            }

            var id = (string)context.Request.RouteValues["id"]!;
            var key = await store.GetAsync(id, context.RequestAborted);
            if (key is null || key.IsAdmin)
            {
                await OpenAiError.NotFound(context, $"no key with id '{id}': GET /admin/keys lists them");
                return;
            }

            await context.Response.WriteAsJsonAsync(KeyView.From(key), GatewayJson.Options);
        });

        app.MapDelete("/admin/keys/{id}", async context =>
        {
            if (await AdminAuth.RequireAdminAsync(context, authenticator) is not { } admin)
            {
                return;
            }

            context.Items[AdminAudit.ActorItem] = admin.Id;

            var id = (string)context.Request.RouteValues["id"]!;
            var key = await store.GetAsync(id, context.RequestAborted);
            if (key is null || key.IsAdmin || !await store.RevokeAsync(id, time.GetUtcNow(), context.RequestAborted))
            {
                await OpenAiError.NotFound(context, $"no key with id '{id}': GET /admin/keys lists them");
                return;
            }

            authenticator.Evict(id);
            await AdminAudit.RecordAsync(context, "key.revoke", id, Tollgate.Audit.AuditViews.Key(key), Tollgate.Audit.AuditViews.Key(key with { RevokedAt = time.GetUtcNow() }));
            await context.Response.WriteAsJsonAsync(new { id, revoked = true }, GatewayJson.Options);
        });
    }

    /// <summary>The fields a key body may have.</summary>
    internal static readonly string[] KeyFields = ["tenant", "project", "user", "name", "rpm", "tpm"];

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    internal sealed record CreatedKey(string Id, string Key, string Tenant, string? Project, string? User, string? Name, long? Rpm, long? Tpm, DateTimeOffset CreatedAt);

    internal sealed record KeyView(string Id, string Tenant, string? Project, string? User, string? Name, long? Rpm, long? Tpm, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, bool Revoked)
    {
        public static KeyView From(VirtualKey k) => new(k.Id, k.Tenant, k.Project, k.User, k.Name, k.RequestsPerMinute, k.TokensPerMinute, k.CreatedAt, k.RevokedAt, k.IsRevoked);
    }
}
