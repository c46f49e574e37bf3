namespace Tollgate.Cli;

/// <summary>A user-facing CLI failure: its message says what to fix; printed without a stack trace.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
