using Tollgate.Keys;

namespace Tollgate.Gateway.Auth;

/// <summary>
/// Makes sure an admin key exists. A configured key (<c>TOLLGATE_ADMIN_KEY</c> / <c>adminKey</c>) is only hashed in
/// memory. Otherwise, on first start, one is generated, stored hashed like every key, and its plaintext written once
/// to <c>{dataDirectory}/admin.key</c> with mode 0600 (owner read/write only); it is never printed or logged.
/// </summary>
internal static class AdminKeyBootstrap
{
    public const string FileName = "admin.key";

    public static async Task<(HashSet<KeyHash> ConfiguredHashes, string Description, string? File)> EnsureAsync(
        string? configuredKey, IKeyStore store, string dataDirectory, TimeProvider time, CancellationToken cancellationToken)
    {
        var hashes = new HashSet<KeyHash>();
        if (!string.IsNullOrWhiteSpace(configuredKey))
        {
            hashes.Add(KeyHash.Of(configuredKey.Trim()));
            return (hashes, "from configuration (TOLLGATE_ADMIN_KEY / adminKey)", null);
        }

        var path = Path.GetFullPath(Path.Combine(dataDirectory, FileName));
        var existing = (await store.ListAsync(includeAdmin: true, cancellationToken: cancellationToken)).Where(k => k.IsAdmin && !k.IsRevoked).ToList();
        if (existing.Count > 0)
        {
            return (hashes, File.Exists(path)
                ? $"in {path} (generated on first start; stored hashed)"
                : $"generated earlier and stored hashed; its file {path} is gone: set TOLLGATE_ADMIN_KEY to use another", File.Exists(path) ? path : null);
        }

        var key = VirtualKeys.NewAdminKey();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(path, fileOptions))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteLineAsync(key);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var record = new VirtualKey
        {
            Id = VirtualKeys.NewId(),
            Tenant = "*",
            Name = "generated admin key",
            IsAdmin = true,
            CreatedAt = time.GetUtcNow(),
        };
        await store.CreateAsync(record, KeyHash.Of(key), cancellationToken);
        return (hashes, $"generated, written to {path} (mode 0600; stored hashed)", path);
    }
}
