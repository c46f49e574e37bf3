namespace Tollgate.Providers.Timeouts;

/// <summary>The limits a streamed body is read under: the idle timeout and the call's deadline (a <see cref="TimeProvider"/> timestamp).</summary>
internal sealed record StreamLimits(TimeSpan Idle, long Deadline, TimeProvider Time);
