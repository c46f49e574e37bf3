using System.CommandLine;
using Tollgate.Keys;
using Tollgate.Hosting;
using Tollgate.Storage;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate keys create|list|revoke</c>: manage virtual keys directly in the store (the same keys the gateway's
/// <c>/admin/keys</c> manages). A created key is printed once; only its SHA-256 is stored. A running gateway sees a
/// revocation made here when its key cache entry expires (keyCacheSeconds, 30 s by default).
/// </summary>
internal static class KeysCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("keys", "Create, list and revoke virtual keys (tg-…) in the store.");

        var store = CommonOptions.Store();
        var tenant = new Option<string?>("--tenant") { Description = "Tenant the key belongs to (required for create)." };
        var project = new Option<string?>("--project") { Description = "Project the key belongs to." };
        var user = new Option<string?>("--user") { Description = "User the key belongs to." };
        var name = new Option<string?>("--name") { Description = "A label for people." };
        var rpm = new Option<long?>("--rpm") { Description = "Requests per minute allowed for this key." };
        var tpm = new Option<long?>("--tpm") { Description = "Tokens per minute allowed for this key." };
        var create = new Command("create", "Create a key; prints its id and the key itself (shown once).");
        foreach (var option in new Option[] { store, tenant, project, user, name, rpm, tpm })
        {
            create.Options.Add(option);
        }

        create.SetAction(async (parse, cancellationToken) =>
        {
            var owner = parse.GetValue(tenant);
            if (string.IsNullOrWhiteSpace(owner))
            {
                throw new CliException("--tenant is required: every key belongs to a tenant, e.g. tollgate keys create --tenant acme --project bot");
            }

            foreach (var (option, value) in new[] { ("--tenant", owner), ("--project", parse.GetValue(project)), ("--user", parse.GetValue(user)), ("--name", parse.GetValue(name)) })
            {
                if (value is not null && (value.Length > 200 || value.Any(char.IsControl)))
                {
                    throw new CliException($"{option} must be at most 200 printable characters (no line breaks or control characters)");
                }
            }

            if (parse.GetValue(rpm) is <= 0 || parse.GetValue(tpm) is <= 0)
            {
                throw new CliException("--rpm and --tpm must be positive");
            }

            await using var stores = await OpenAsync(parse.GetValue(store), StoreAccess.Write, cancellationToken);
            var keys = stores.Keys;
            var plaintext = VirtualKeys.NewKey();
            var key = new VirtualKey
            {
                Id = VirtualKeys.NewId(),
                Tenant = owner.Trim(),
                Project = parse.GetValue(project),
                User = parse.GetValue(user),
                Name = parse.GetValue(name),
                RequestsPerMinute = parse.GetValue(rpm),
                TokensPerMinute = parse.GetValue(tpm),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()),
            };
            if (!await keys.CreateAsync(key, KeyHash.Of(plaintext), cancellationToken))
            {
                throw new CliException("a key with the same id already exists; run the command again");
            }

            await new Tollgate.Audit.AuditRecorder(stores.Audit).RecordAsync("cli", "key.create", key.Id, null, Tollgate.Audit.AuditViews.Key(key), cancellationToken);
            await console.Out.WriteLineAsync($"id:  {key.Id}");
            await console.Out.WriteLineAsync($"key: {plaintext}");
            await console.Error.WriteLineAsync("the key is shown only now; Tollgate keeps its SHA-256 only");
            return 0;
        });

        var listTenant = new Option<string?>("--tenant") { Description = "Only this tenant's keys." };
        var list = new Command("list", "List keys (never their secrets).");
        var listStore = CommonOptions.Store();
        list.Options.Add(listStore);
        list.Options.Add(listTenant);
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var stores = await OpenAsync(parse.GetValue(listStore), StoreAccess.Read, cancellationToken);
            var keys = stores.Keys;
            var all = await keys.ListAsync(parse.GetValue(listTenant), cancellationToken: cancellationToken);
            var nameWidth = Math.Clamp(all.Select(k => (k.Name ?? "-").Length).DefaultIfEmpty(4).Max(), 4, 40);
            await console.Out.WriteLineAsync($"ID                    {"NAME".PadRight(nameWidth)} TENANT          PROJECT         USER            CREATED (UTC)        STATUS");
            foreach (var k in all)
            {
                var label = k.Name is { Length: > 40 } longName ? longName[..39] + "…" : k.Name ?? "-";
                await console.Out.WriteLineAsync($"{k.Id,-21} {label.PadRight(nameWidth)} {k.Tenant,-15} {k.Project ?? "-",-15} {k.User ?? "-",-15} {k.CreatedAt:yyyy-MM-dd HH:mm:ss}  {(k.IsRevoked ? "revoked " + k.RevokedAt!.Value.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "active")}");
            }

            return 0;
        });

        var id = new Argument<string>("id") { Description = "The key's id (key_…), as shown by 'tollgate keys list'." };
        var revoke = new Command("revoke", "Revoke a key.");
        var revokeStore = CommonOptions.Store();
        revoke.Options.Add(revokeStore);
        revoke.Arguments.Add(id);
        revoke.SetAction(async (parse, cancellationToken) =>
        {
            await using var stores = await OpenAsync(parse.GetValue(revokeStore), StoreAccess.Write, cancellationToken);
            var keys = stores.Keys;
            var keyId = parse.GetValue(id)!;
            var existing = await keys.GetAsync(keyId, cancellationToken);
            if (existing is null || existing.IsAdmin || !await keys.RevokeAsync(keyId, TimeProvider.System.GetUtcNow(), cancellationToken))
            {
                throw new CliException($"no key with id '{keyId}': 'tollgate keys list' shows them");
            }

            await new Tollgate.Audit.AuditRecorder(stores.Audit).RecordAsync("cli", "key.revoke", keyId, Tollgate.Audit.AuditViews.Key(existing), Tollgate.Audit.AuditViews.Key(existing with { RevokedAt = TimeProvider.System.GetUtcNow() }), cancellationToken);
            await console.Out.WriteLineAsync($"revoked {keyId}");
            return 0;
        });

        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        command.Subcommands.Add(revoke);
        return command;
    }

    private static Task<TollgateStores> OpenAsync(string? storeValue, StoreAccess access, CancellationToken cancellationToken)
    {
        var location = CommonOptions.ParseStore(storeValue);
        return location.Kind == StoreKind.InMemory
            ? throw new CliException("--store memory keeps nothing between commands: use sqlite:PATH or postgres://…")
            : CliStores.OpenAsync(location, access, cancellationToken);
    }
}
