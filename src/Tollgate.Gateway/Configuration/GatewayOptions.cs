using Tollgate.Pricing;
using Tollgate.Routing;
using Tollgate.Storage;

namespace Tollgate.Gateway.Configuration;

/// <summary>
/// Everything <c>tollgate serve</c> can be told, from <c>tollgate.json</c>, <c>TOLLGATE__…</c> environment variables
/// and command-line options (in rising priority). <see cref="Validate"/> says what to fix.
/// </summary>
public sealed class GatewayOptions
{
    public const int DefaultPort = 4000;

    /// <summary>Address to listen on; loopback unless told otherwise.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary><c>sqlite:PATH</c>, <c>postgres://…</c> or <c>memory</c>; default <c>sqlite:{DataDirectory}/tollgate.db</c>.</summary>
    public string? Store { get; set; }

    /// <summary><c>HOST:PORT</c> of a Redis shared by several instances for budget holds and rate limits.</summary>
    public string? Redis { get; set; }

    /// <summary>The admin key (also <c>TOLLGATE_ADMIN_KEY</c>); when none is given one is generated into the data folder.</summary>
    public string? AdminKey { get; set; }

    /// <summary>Folder for the SQLite file and the generated admin key.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Adds the built-in simulated providers <c>demo</c> (OpenAI API) and <c>demo-anthropic</c> (Anthropic API).</summary>
    public bool Demo { get; set; }

    /// <summary>Requests with a larger body are refused with 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Providers configured explicitly (they win over the ones found from environment keys).</summary>
    public List<ProviderEndpointOptions> Providers { get; set; } = [];

    /// <summary>When true (default), providers whose API key variable is set are available with their public URLs.</summary>
    public bool ProvidersFromEnvironment { get; set; } = true;

    /// <summary>OTLP endpoint (e.g. http://127.0.0.1:4317) for OpenTelemetry metrics and traces; also OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>How long a looked-up key stays cached (revocations through this instance apply at once).</summary>
    public int KeyCacheSeconds { get; set; } = 30;

    /// <summary>Records every call in the ledger (default); off only for experiments.</summary>
    public bool Ledger { get; set; } = true;

    /// <summary>Keep raw ledger records this many days (purged hourly; rollups and reports keep their totals); unset keeps them forever.</summary>
    public int? LedgerRetentionDays { get; set; }

    /// <summary>
    /// When a call's ledger record is written: <c>durable</c> (default) — committed (or fsync'd into the local spool)
    /// before the client gets the answer, batched with every other call finishing meanwhile (group commit); <c>relaxed</c>
    /// — queued and written within ~50 ms after the answer, so a crash (SIGKILL, power loss) loses the records, and the
    /// budget spend, of the calls answered in that last moment.
    /// </summary>
    public string LedgerDurability { get; set; } = "durable";

    /// <summary>
    /// Records each call's request and prompt-prefix fingerprints (hashes of the canonical request, never its text) for
    /// the response-cache and prompt-caching recommendations (default on); false saves their CPU per call, and those
    /// recommendations then find nothing in the calls recorded meanwhile.
    /// </summary>
    public bool RequestFingerprints { get; set; } = true;

    /// <summary>How old the budget snapshot behind <c>x-tollgate-budget-remaining</c> may be (0 = read on every request).</summary>
    public int BudgetStatusCacheMilliseconds { get; set; } = 1000;

    /// <summary>
    /// Show key holders the figures of shared budgets (global, provider- or model-wide: budgets that count other
    /// tenants' spend too) in <c>x-tollgate-budget-remaining</c> and 429 bodies. Off by default: a key holder sees only
    /// budgets scoped to its own tenant, project, user or key, and a refusal by a shared one says so without figures.
    /// </summary>
    public bool ShowSharedBudgets { get; set; }

    /// <summary>Rate limits for every key / user / tenant: <c>[{"dimension": "key", "rpm": 600, "tpm": 200000}]</c>; a key's own rpm/tpm apply too.</summary>
    public List<RateLimitOptions> RateLimits { get; set; } = [];

    /// <summary>Back-off for clients that keep failing authentication (429 with Retry-After).</summary>
    public AuthBackoffOptions AuthBackoff { get; set; } = new();

    /// <summary>
    /// Where budget counters are held on the request path: <c>auto</c> (default: on the embedded store, in process with
    /// write-behind while this gateway is the only process on the SQLite file — rebuilt from the ledger at start — else
    /// the file's transactional counters; in the database for PostgreSQL; in Redis when <c>--redis</c> is given),
    /// <c>store</c> (a database transaction per hold and settle), <c>write-behind</c> (refuses a shared file), or
    /// <c>leased</c> (Redis, each instance holding a lease of <see cref="BudgetLeaseUsd"/> per budget and serving holds from it).
    /// </summary>
    public string BudgetCounters { get; set; } = "auto";

    /// <summary>With <c>budgetCounters: leased</c>: how much of a budget an instance takes from Redis at a time (USD; default 0.10).</summary>
    public decimal BudgetLeaseUsd { get; set; } = 0.10m;

    /// <summary>
    /// The <c>pricing</c> section (the format <c>tollgate price --config</c> reads): override price files, fallback prices and
    /// negotiated / volume discounts, applied to every call's cost. Costs stay in USD (budgets and the ledger count USD).
    /// </summary>
    public PricingOptions Pricing { get; set; } = new();

    /// <summary>The <c>routing</c> section's scoring (null: the gateway's default, which keeps the requested model).</summary>
    public RoutingOptions? Routing { get; set; }

    /// <summary>The <c>routing.retry</c> settings (null: one try per provider, then the next).</summary>
    public FallbackOptions? Fallback { get; set; }

    /// <summary>The <c>routing.health</c> circuit breaker settings (null: the defaults).</summary>
    public HealthOptions? Health { get; set; }

    /// <summary>The <c>routing.capabilitiesFiles</c>, applied over the built-in capabilities.</summary>
    public IReadOnlyList<string> CapabilityFiles { get; set; } = [];

    /// <summary>How often the key store is asked whether a key was revoked elsewhere (CLI, another gateway), in milliseconds.</summary>
    public int KeyRevocationCheckMilliseconds { get; set; } = 500;

    /// <summary>Most PostgreSQL connections one gateway instance opens (all its pools together); keep instances × this below the server's max_connections.</summary>
    public int PostgresMaxConnections { get; set; } = 30;

    /// <summary>How often in-process (write-behind) budget counters write their spend to the store, in milliseconds.</summary>
    public int BudgetCountersFlushMilliseconds { get; set; } = 200;

    /// <summary>How often budgets are also checked against their alert thresholds (a crossing is alerted at settlement).</summary>
    public int AlertCheckSeconds { get; set; } = 30;

    /// <summary>
    /// How often the dashboard's recommendations (the last 30 days) are recomputed in the background, in minutes;
    /// 0 computes them only when asked, reusing a result for an hour.
    /// </summary>
    public int RecommendationRefreshMinutes { get; set; } = 60;

    /// <summary>Alert channels, live anomaly rules and forecast alerts (docs/alerts.md).</summary>
    public AlertsOptions Alerts { get; set; } = new();

    /// <summary>Provider reconciliation (docs/reconciliation.md): the capture rate below which it alerts.</summary>
    public ReconciliationAlertOptions Reconciliation { get; set; } = new();

    /// <summary>
    /// Cheaper models a request may be switched to on the same provider (<c>"gpt-4o": "gpt-4o-mini"</c>): by an adaptive
    /// budget when the asked model does not fit, and in emergency mode always.
    /// </summary>
    public Dictionary<string, string> FallbackModels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The store location, parsed (call <see cref="Validate"/> first).</summary>
    public StoreLocation GetStoreLocation()
    {
        if (string.IsNullOrWhiteSpace(Store))
        {
            return new StoreLocation(StoreKind.Sqlite, Path.Combine(DataDirectory, "tollgate.db"));
        }

        return StoreLocation.TryParse(Store, out var location, out var error) ? location : throw new InvalidOperationException(error);
    }

    /// <summary>Every problem found, each phrased as what to fix; empty when the options can be used.</summary>
    public IReadOnlyList<string> Validate(Func<string, string?>? environment = null)
    {
        var errors = new List<string>();
        if (Port is < 0 or > 65535)
        {
            errors.Add($"port {Port} is out of range: use 1-65535, or 0 for any free port (--port or \"port\" in the config)");
        }

        if (string.IsNullOrWhiteSpace(Host) || (Host != "localhost" && !System.Net.IPAddress.TryParse(Host, out _) && Host != "*"))
        {
            errors.Add($"host '{Host}' is not an IP address: use e.g. 127.0.0.1, 0.0.0.0 or localhost (--host or \"host\")");
        }

        if (!string.IsNullOrWhiteSpace(Store) && !StoreLocation.TryParse(Store, out _, out var storeError))
        {
            errors.Add(storeError!);
        }

        if (!string.IsNullOrWhiteSpace(Redis) && !IsHostPort(Redis))
        {
            errors.Add($"redis '{Redis}' is not HOST:PORT: use e.g. --redis 127.0.0.1:6379");
        }

        if (AdminKey is { } admin && admin.Trim().Length < 16)
        {
            errors.Add("the admin key is shorter than 16 characters: set TOLLGATE_ADMIN_KEY (or \"adminKey\") to a long random string, or leave it unset to have one generated");
        }

        if (BudgetCounters is not ("auto" or "store" or "write-behind" or "leased"))
        {
            errors.Add($"budgetCounters '{BudgetCounters}' is unknown: use auto, store, write-behind or leased");
        }

        if (BudgetCounters == "leased" && string.IsNullOrWhiteSpace(Redis))
        {
            errors.Add("budgetCounters 'leased' takes budget leases from Redis: give redis (HOST:PORT), or use auto");
        }

        if (BudgetLeaseUsd is <= 0 or > 1000)
        {
            errors.Add($"budgetLeaseUsd {BudgetLeaseUsd} is out of range: use an amount above 0 and at most 1000");
        }

        if (RecommendationRefreshMinutes is < 0 or > 1440)
        {
            errors.Add($"recommendationRefreshMinutes {RecommendationRefreshMinutes} is out of range: use 1-1440 minutes, or 0 to compute recommendations only when asked");
        }

        if (LedgerRetentionDays is < 1 or > Tollgate.Ledger.LedgerRetention.MaxDays)
        {
            errors.Add($"ledgerRetentionDays {LedgerRetentionDays} is out of range: use 1-{Tollgate.Ledger.LedgerRetention.MaxDays} days, or leave it unset to keep records forever");
        }

        if (LedgerDurability is not ("durable" or "relaxed"))
        {
            errors.Add($"ledgerDurability '{LedgerDurability}' is unknown: use durable (default: nothing answered is lost on a crash) or relaxed (records written just after the answer; a crash loses the last ~50 ms)");
        }

        errors.AddRange(Pricing.Validate());
        if (Reconciliation.MinCaptureRate is < 0 or > 1)
        {
            errors.Add($"reconciliation.minCaptureRate {Reconciliation.MinCaptureRate} is out of range: use a share between 0 and 1, e.g. 0.95");
        }

        if (KeyRevocationCheckMilliseconds < 50)
        {
            errors.Add($"keyRevocationCheckMilliseconds {KeyRevocationCheckMilliseconds} is too small: use at least 50");
        }

        if (PostgresMaxConnections is < 6 or > 10_000)
        {
            errors.Add($"postgresMaxConnections {PostgresMaxConnections} is out of range: use 6-10000 (instances × this must stay below PostgreSQL's max_connections)");
        }

        if (BudgetCountersFlushMilliseconds < 10)
        {
            errors.Add($"budgetCountersFlushMilliseconds {BudgetCountersFlushMilliseconds} is too small: use at least 10");
        }

        if (MaxRequestBodyBytes < 1024)
        {
            errors.Add($"maxRequestBodyBytes {MaxRequestBodyBytes} is too small: use at least 1024");
        }

        if (KeyCacheSeconds < 0)
        {
            errors.Add("keyCacheSeconds must be 0 or more");
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            errors.Add("dataDirectory is empty: give a folder, e.g. \"data\"");
        }

        for (var i = 0; i < RateLimits.Count; i++)
        {
            foreach (var problem in RateLimits[i].Validate())
            {
                errors.Add($"rateLimits[{i}]: {problem}");
            }
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Providers.Count; i++)
        {
            var p = Providers[i];
            var where = $"providers[{i}]";
            if (string.IsNullOrWhiteSpace(p.Name))
            {
                errors.Add($"{where}: \"name\" is missing: use a catalog provider id such as openai, anthropic or google");
                continue;
            }

            where = $"providers[{i}] ({p.Name})";
            if (Tollgate.Providers.ProviderPresets.Get(p.Name) is null && string.IsNullOrWhiteSpace(p.BaseUrl))
            {
                errors.Add($"{where}: '{p.Name}' is not a known provider: give its \"baseUrl\" (and \"format\": openai, anthropic or gemini), or use one of {string.Join(", ", Tollgate.Providers.ProviderPresets.Names)}");
            }

            if (p.Format is { Length: > 0 } format && format.ToLowerInvariant() is not ("openai" or "anthropic" or "gemini" or "google"))
            {
                errors.Add($"{where}: format '{format}' is unknown: use openai, anthropic or gemini");
            }

            if (!names.Add(p.Name))
            {
                errors.Add($"{where}: listed twice: keep one entry per provider name");
            }

            if (p.BaseUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https")))
            {
                errors.Add($"{where}: baseUrl '{url}' is not an http(s) URL: use e.g. http://127.0.0.1:18080/v1");
            }

            if (p.ApiKeyEnv is { Length: > 0 } env && p.ApiKey is null && string.IsNullOrEmpty((environment ?? Environment.GetEnvironmentVariable)(env)) && !p.AllowMissingKey)
            {
                errors.Add($"{where}: apiKeyEnv {env} is not set in the environment: export {env}=… or remove apiKeyEnv (set \"allowMissingKey\": true for a local upstream without a key)");
            }
        }

        errors.AddRange(AuthBackoff.Validate());
        return errors;
    }

    private static bool IsHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), out var port) && port is > 0 and <= 65535;
    }
}
