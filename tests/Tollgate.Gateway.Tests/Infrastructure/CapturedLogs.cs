using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tollgate.Gateway.Tests.Infrastructure;

/// <summary>A logger provider that keeps every message the gateway logs (with its exception text), for tests that check the log.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Lines that carry a stack trace or an exception's type (what a client's mistake must never produce).</summary>
    public IReadOnlyList<string> WithStackTraces() =>
        Lines.Where(l => l.Contains("\n   at ", StringComparison.Ordinal) || l.Contains("Exception:", StringComparison.Ordinal) || l.Contains("Unhandled", StringComparison.OrdinalIgnoreCase)).ToList();

    public string All => string.Join("\n", Lines);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
    }
}
