namespace Tollgate.Storage;

/// <summary>
/// Where the ledger, budgets, keys and provider state live, as given by <c>--store</c>:
/// <c>sqlite:PATH</c>, <c>postgres://user:password@host:port/database</c> (or an Npgsql
/// <c>Host=…;</c> connection string), or <c>memory</c>.
/// </summary>
public sealed record StoreLocation(StoreKind Kind, string ConnectionString)
{
    /// <summary>The embedded default, relative to the working directory.</summary>
    public const string DefaultSqlitePath = "data/tollgate.db";

    public static StoreLocation Default { get; } = new(StoreKind.Sqlite, DefaultSqlitePath);

    /// <summary>For SQLite, the database file path; otherwise null.</summary>
    public string? SqlitePath => Kind == StoreKind.Sqlite ? ConnectionString : null;

    /// <summary>Parses a <c>--store</c> value; returns false with a message that says what to fix.</summary>
    public static bool TryParse(string? value, out StoreLocation location, out string? error)
    {
        location = Default;
        error = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        value = value.Trim();
        if (value.Equals("memory", StringComparison.OrdinalIgnoreCase))
        {
            location = new StoreLocation(StoreKind.InMemory, "");
            return true;
        }

        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = value["sqlite:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }

            if (path.Length == 0)
            {
                error = "--store sqlite: needs a file path, e.g. sqlite:data/tollgate.db";
                return false;
            }

            location = new StoreLocation(StoreKind.Sqlite, path);
            return true;
        }

        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryConvertPostgresUri(value, out var connectionString, out error))
            {
                return false;
            }

            location = new StoreLocation(StoreKind.PostgreSql, connectionString);
            return true;
        }

        if (value.Contains("Host=", StringComparison.OrdinalIgnoreCase))
        {
            location = new StoreLocation(StoreKind.PostgreSql, value);
            return true;
        }

        error = $"unknown --store '{Redact(value)}': use sqlite:PATH, postgres://user:password@host:port/database, or memory";
        return false;
    }

    /// <summary>The location with any password removed, for banners and messages.</summary>
    public override string ToString() => Kind switch
    {
        StoreKind.InMemory => "memory",
        StoreKind.Sqlite => $"sqlite:{ConnectionString}",
        _ => $"postgres ({RedactConnectionString(ConnectionString)})",
    };

    private static bool TryConvertPostgresUri(string value, out string connectionString, out string? error)
    {
        connectionString = "";
        error = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            error = "--store postgres://… is not a valid URI: use postgres://user:password@host:port/database";
            return false;
        }

        var parts = new List<string> { $"Host={uri.Host}" };
        if (uri.Port > 0)
        {
            parts.Add($"Port={uri.Port}");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var userInfo = uri.UserInfo.Split(':', 2);
            parts.Add($"Username={Uri.UnescapeDataString(userInfo[0])}");
            if (userInfo.Length == 2)
            {
                parts.Add($"Password={Uri.UnescapeDataString(userInfo[1])}");
            }
        }

        var database = uri.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            parts.Add($"Database={Uri.UnescapeDataString(database)}");
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length == 2)
            {
                parts.Add($"{Uri.UnescapeDataString(kv[0])}={Uri.UnescapeDataString(kv[1])}");
            }
        }

        connectionString = string.Join(';', parts);
        return true;
    }

    private static string Redact(string value) =>
        value.Contains('@', StringComparison.Ordinal) ? value[..value.IndexOf(':', StringComparison.Ordinal)] + "://…" : value;

    private static string RedactConnectionString(string connectionString) =>
        string.Join(';', connectionString.Split(';').Where(p => !p.TrimStart().StartsWith("Password", StringComparison.OrdinalIgnoreCase)));
}
