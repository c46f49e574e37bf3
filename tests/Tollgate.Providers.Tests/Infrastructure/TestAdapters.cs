namespace Tollgate.Providers.Tests.Infrastructure;

internal static class TestAdapters
{
    public const string Key = "sk-test-SECRET-0123456789abcdef";

    public static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public static IProviderAdapter Create(string preset, Uri baseUrl, Action<ProviderOptions>? configure = null, TimeProvider? time = null)
    {
        var options = ProviderPresets.Get(preset)!;
        options.BaseUrl = baseUrl;
        configure?.Invoke(options);
        return ProviderAdapterFactory.Create(options, Http, time, variable => variable == options.ApiKeyEnvironmentVariable ? Key : null);
    }

    public static Uri WithPath(this Uri baseUrl, string path) => new(baseUrl, path);
}

/// <summary>A destination stream that records each write and when it happened.</summary>
internal sealed class RecordingStream : MemoryStream
{
    public List<string> Writes { get; } = [];

    public TaskCompletionSource FirstWrite { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await base.WriteAsync(buffer, cancellationToken);
        Writes.Add(System.Text.Encoding.UTF8.GetString(buffer.Span));
        FirstWrite.TrySetResult();
    }

    public string Text => System.Text.Encoding.UTF8.GetString(ToArray());
}
