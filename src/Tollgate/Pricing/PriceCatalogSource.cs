using System.Text.Json;

namespace Tollgate.Pricing;

/// <summary>
/// Keeps the current price catalog: the refreshed copy from <see cref="PricingOptions.CatalogUrl"/> (a file or an
/// http(s) URL) when it can be had, else the last good copy persisted in <see cref="PricingOptions.CacheDirectory"/>,
/// else the built-in catalog; override files are always layered on top. Within
/// <see cref="PricingOptions.CacheDuration"/> of the last fetch the persisted copy is used without fetching.
/// <see cref="Start"/> refreshes every <see cref="PricingOptions.RefreshInterval"/> on the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class PriceCatalogSource : IDisposable
{
    private const string CacheFileName = "catalog.json";
    private const string MetaFileName = "catalog.meta.json";

    private readonly PricingOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private PriceCatalog[] _overrides;
    private PriceCatalog _base;
    private volatile PriceCatalog _current;
    private ITimer? _timer;

    /// <summary>Loads the built-in catalog and the override files. Throws <see cref="FormatException"/> naming a broken override file.</summary>
    public PriceCatalogSource(PricingOptions options, TimeProvider timeProvider, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.EnsureValid();
        _options = options;
        _time = timeProvider;
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        _overrides = LoadOverrides();
        _base = PriceCatalog.BuiltIn;
        _current = Layer(_base);
    }

    /// <summary>Raised after each refresh (also background ones).</summary>
    public event Action<CatalogRefreshResult>? Refreshed;

    /// <summary>The catalog to price with now (base catalog + overrides).</summary>
    public PriceCatalog Current => _current;

    /// <summary>The base catalog's source: <c>builtin</c>, <c>remote:URL</c> or <c>last-good:URL</c>.</summary>
    public string BaseSource => _base.Source;

    /// <summary>Refreshes every <see cref="PricingOptions.RefreshInterval"/>, starting now.</summary>
    public void Start()
    {
        _timer ??= _time.CreateTimer(_ => _ = RefreshInBackgroundAsync(), null, TimeSpan.Zero, _options.RefreshInterval);
    }

    /// <summary>Refreshes now: fetch (unless the persisted copy is still fresh), else last good copy, else built-in.</summary>
    public async Task<CatalogRefreshResult> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            var result = await RefreshCoreAsync(cancellationToken);
            Refreshed?.Invoke(result);
            return result;
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _refreshLock.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshAsync(CancellationToken.None);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while a timer tick was pending: nothing to refresh any more.
        }
    }

    private async Task<CatalogRefreshResult> RefreshCoreAsync(CancellationToken cancellationToken)
    {
        string? overrideError = null;
        try
        {
            _overrides = LoadOverrides();
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            // A broken override file keeps the previous overrides rather than silently dropping them.
            overrideError = ex.Message;
        }

        var url = _options.CatalogUrl;
        if (url is null)
        {
            _base = PriceCatalog.BuiltIn;
            _current = Layer(_base);
            return new CatalogRefreshResult(false, _base.Source, overrideError);
        }

        var cachePath = Path.Combine(_options.CacheDirectory, CacheFileName);
        var metaPath = Path.Combine(_options.CacheDirectory, MetaFileName);
        var now = _time.GetUtcNow();
        var meta = ReadMeta(metaPath);
        if (meta is not null && meta.Url == url && now - meta.FetchedAt < _options.CacheDuration && TryLoadCache(cachePath, $"remote:{url}", out var fresh))
        {
            _base = fresh!;
            _current = Layer(_base);
            return new CatalogRefreshResult(false, _base.Source, overrideError);
        }

        string error;
        try
        {
            var bytes = await FetchAsync(url, cancellationToken);
            if (PriceCatalog.TryParse(bytes, $"remote:{url}", out var fetched, out var parseError))
            {
                Persist(cachePath, metaPath, bytes, new CacheMeta(url, now));
                _base = fetched!;
                _current = Layer(_base);
                return new CatalogRefreshResult(true, _base.Source, overrideError);
            }

            error = $"the catalog at {url} is invalid: {parseError}";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            error = $"could not fetch the catalog from {url}: {ex.Message}";
        }

        if (TryLoadCache(cachePath, $"last-good:{url}", out var lastGood))
        {
            _base = lastGood!;
        }
        else if (_base.Source == $"remote:{url}")
        {
            // The on-disk copy is gone but this process still holds the last good one in memory.
            _base = _base.Relabel($"last-good:{url}");
        }
        else if (_base.Source != $"last-good:{url}")
        {
            _base = PriceCatalog.BuiltIn;
        }

        _current = Layer(_base);
        return new CatalogRefreshResult(false, _base.Source, overrideError is null ? error : $"{error}; {overrideError}");
    }

    private async Task<byte[]> FetchAsync(string url, CancellationToken cancellationToken)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            using var response = await _http.GetAsync(uri, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            return await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }

        var path = uri is { IsFile: true } ? uri.LocalPath : url;
        return await File.ReadAllBytesAsync(path, cancellationToken);
    }

    private PriceCatalog[] LoadOverrides() => [.. _options.OverrideFiles.Select(f => PriceCatalog.Load(f))];

    private PriceCatalog Layer(PriceCatalog baseCatalog)
    {
        var result = baseCatalog;
        foreach (var overrides in _overrides)
        {
            result = result.WithOverrides(overrides);
        }

        return result;
    }

    private static bool TryLoadCache(string path, string source, out PriceCatalog? catalog)
    {
        catalog = null;
        try
        {
            return File.Exists(path) && PriceCatalog.TryParse(File.ReadAllBytes(path), source, out catalog, out _);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void Persist(string cachePath, string metaPath, byte[] bytes, CacheMeta meta)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(cachePath))!);

            // Write-then-rename so a crash never leaves a half-written "last good" copy.
            var temp = cachePath + ".tmp";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, cachePath, overwrite: true);
            File.WriteAllText(metaPath, JsonSerializer.Serialize(meta));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The fetched copy is still used; only the on-disk fallback is stale.
        }
    }

    private static CacheMeta? ReadMeta(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<CacheMeta>(File.ReadAllText(path)) : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed record CacheMeta(string Url, DateTimeOffset FetchedAt);
}
