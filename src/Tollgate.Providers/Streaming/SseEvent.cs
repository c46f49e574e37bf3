namespace Tollgate.Providers.Streaming;

/// <summary>One server-sent event: its <c>event:</c> name (null when absent) and its joined <c>data:</c> lines.</summary>
internal readonly record struct SseEvent(string? Name, string Data);
