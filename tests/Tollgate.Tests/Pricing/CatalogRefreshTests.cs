using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Tests.Pricing;

public sealed class CatalogRefreshTests : IDisposable
{
    private static readonly DateTimeOffset Now = TestCatalog.At("2026-11-22T10:00:00Z");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tg-pricing-{Guid.NewGuid():N}");
    private readonly FakeTimeProvider _time = new(Now);

    public CatalogRefreshTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Refresh_File_FetchedThenCachedThenLastGoodThenBuiltIn()
    {
        var remote = Path.Combine(_dir, "remote.json");
        await File.WriteAllTextAsync(remote, Catalog(7), TestContext.Current.CancellationToken);
        var options = Options(remote);
        using var source = new PriceCatalogSource(options, _time);
        Assert.Equal("builtin", source.BaseSource);

        var first = await source.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.True(first.Fetched);
        Assert.Equal($"remote:{remote}", first.Source);
        Assert.Equal(7m, Price(source));
        Assert.Equal($"remote:{remote}", new CostEngine(source).Calculate("openai", "gpt-4o", new Usage { InputTokens = 1 }, Now).PriceSource);

        // Within the cache duration the persisted copy is used without fetching.
        await File.WriteAllTextAsync(remote, Catalog(8), TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMinutes(30));
        var cached = await source.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.False(cached.Fetched);
        Assert.Equal(7m, Price(source));

        // After it, a broken remote falls back to the last good copy.
        await File.WriteAllTextAsync(remote, "{ not json", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromHours(1));
        var broken = await source.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.False(broken.Fetched);
        Assert.Contains("invalid", broken.Error);
        Assert.Equal($"last-good:{remote}", broken.Source);
        Assert.Equal(7m, Price(source));

        // A new process with the same cache directory also finds the last good copy on disk.
        using var restarted = new PriceCatalogSource(options, _time);
        Assert.Equal($"last-good:{remote}", (await restarted.RefreshAsync(TestContext.Current.CancellationToken)).Source);
        Assert.Equal(7m, Price(restarted));

        // No last good copy at all: the built-in catalog.
        using var fresh = new PriceCatalogSource(Options(remote, Path.Combine(_dir, "empty-cache")), _time);
        var builtIn = await fresh.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.Equal("builtin", builtIn.Source);
        Assert.Equal(2.5m, Price(fresh)); // built-in gpt-4o
    }

    [Fact]
    public async Task Refresh_LoopbackHttp_FetchedThenLastGoodThenBuiltIn()
    {
        using var server = new FakeHttpServer();
        server.Respond(200, Catalog(11));
        var url = $"{server.Url}prices.json";
        var options = Options(url);
        using var source = new PriceCatalogSource(options, _time);

        var fetched = await source.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.True(fetched.Fetched, fetched.Error);
        Assert.Equal(11m, Price(source));

        server.Respond(500, "boom");
        _time.Advance(TimeSpan.FromHours(2));
        var failed = await source.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.Contains("HTTP 500", failed.Error);
        Assert.Equal($"last-good:{url}", failed.Source);
        Assert.Equal(11m, Price(source));

        using var noCache = new PriceCatalogSource(Options(url, Path.Combine(_dir, "other")), _time);
        var builtIn = await noCache.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.Equal("builtin", builtIn.Source);
        Assert.Equal(2.5m, Price(noCache));
    }

    [Fact]
    public async Task Refresh_FailsAndDiskCopyGone_KeepsInMemoryLastGood()
    {
        var remote = Path.Combine(_dir, "remote.json");
        await File.WriteAllTextAsync(remote, Catalog(5), TestContext.Current.CancellationToken);
        var options = Options(remote);
        using var source = new PriceCatalogSource(options, _time);
        await source.RefreshAsync(TestContext.Current.CancellationToken);

        Directory.Delete(options.CacheDirectory, recursive: true);
        File.Delete(remote);
        _time.Advance(TimeSpan.FromHours(2));
        var result = await source.RefreshAsync(TestContext.Current.CancellationToken);

        Assert.Equal($"last-good:{remote}", result.Source);
        Assert.Contains("could not fetch", result.Error);
        Assert.Equal(5m, Price(source));
        Assert.Equal($"last-good:{remote}", source.Current.Resolve("openai", "gpt-4o").PriceSource);
    }

    [Fact]
    public async Task Start_RefreshesOnTheTimeProviderInterval()
    {
        var remote = Path.Combine(_dir, "remote.json");
        await File.WriteAllTextAsync(remote, Catalog(3), TestContext.Current.CancellationToken);
        var options = Options(remote);
        options.CacheDuration = TimeSpan.Zero;
        options.RefreshInterval = TimeSpan.FromMinutes(10);
        using var source = new PriceCatalogSource(options, _time);
        var refreshed = new TaskCompletionSource<CatalogRefreshResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Refreshed += r => refreshed.TrySetResult(r);

        source.Start();
        await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(3m, Price(source));

        await File.WriteAllTextAsync(remote, Catalog(4), TestContext.Current.CancellationToken);
        refreshed = new TaskCompletionSource<CatalogRefreshResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _time.Advance(TimeSpan.FromMinutes(10));
        await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(4m, Price(source));
    }

    [Fact]
    public async Task OverrideFile_LayeredOverRefreshedCatalog()
    {
        var remote = Path.Combine(_dir, "remote.json");
        await File.WriteAllTextAsync(remote, Catalog(7), TestContext.Current.CancellationToken);
        var overrideFile = Path.Combine(_dir, "override.json");
        await File.WriteAllTextAsync(overrideFile, Catalog(1), TestContext.Current.CancellationToken);
        var options = Options(remote);
        options.OverrideFiles.Add(overrideFile);
        using var source = new PriceCatalogSource(options, _time);

        await source.RefreshAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1m, Price(source));
        Assert.Equal($"override:{overrideFile}", source.Current.Resolve("openai", "gpt-4o").PriceSource);
    }

    [Fact]
    public void OverrideFile_Broken_ClearError()
    {
        var overrideFile = Path.Combine(_dir, "override.json");
        File.WriteAllText(overrideFile, """[{"id": "openai", "models": [{"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "prices": {"input_mtok": -1}}]}]""");
        var options = new PricingOptions { OverrideFiles = [overrideFile], CacheDirectory = _dir };

        var ex = Assert.Throws<FormatException>(() => new PriceCatalogSource(options, _time));
        Assert.Contains(overrideFile, ex.Message);
        Assert.Contains("cannot be negative", ex.Message);
    }

    private PricingOptions Options(string url, string? cacheDir = null) => new()
    {
        CatalogUrl = url,
        CacheDirectory = cacheDir ?? Path.Combine(_dir, "cache"),
        CacheDuration = TimeSpan.FromHours(1),
        RefreshInterval = TimeSpan.FromHours(6),
    };

    private static decimal Price(PriceCatalogSource source) =>
        source.Current.Resolve("openai", "gpt-4o").PriceAt(Now)![UsageUnit.InputTokens]!.Base;

    private static string Catalog(decimal inputPrice) =>
        $$$"""[{"id": "openai", "name": "OpenAI", "models": [{"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "prices": {"input_mtok": {{{inputPrice}}}}}]}]""";

    /// <summary>A minimal HTTP/1.1 server on 127.0.0.1 with a free port, answering every request with the current response.</summary>
    private sealed class FakeHttpServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private volatile Tuple<int, string> _response = Tuple.Create(404, string.Empty);

        public FakeHttpServer()
        {
            _listener.Start();
            _ = Task.Run(AcceptLoopAsync);
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

        public void Respond(int status, string body) => _response = Tuple.Create(status, body);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                using (client)
                {
                    var stream = client.GetStream();
                    var reader = new StreamReader(stream, Encoding.ASCII);
                    while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
                    {
                        // Skip the request line and headers.
                    }

                    var (status, body) = (_response.Item1, _response.Item2);
                    var bytes = Encoding.UTF8.GetBytes(body);
                    var head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                    await stream.WriteAsync(bytes);
                }
            }
        }
    }
}
