namespace Tollgate.Cli;

/// <summary>The streams a command reads and writes, so tests can drive the CLI in-process.</summary>
public sealed class CliConsole(TextReader input, TextWriter output, TextWriter error)
{
    public TextReader In { get; } = input;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>True when standard output is a terminal (progress bars and colours are shown only then).</summary>
    public bool IsInteractive { get; init; }

    /// <summary>True when standard input is a terminal (nothing piped in): commands that read stdin show help instead of waiting.</summary>
    public bool IsInputInteractive { get; init; }

    public static CliConsole System() => new(Console.In, Console.Out, Console.Error)
    {
        IsInteractive = !Console.IsOutputRedirected,
        IsInputInteractive = !Console.IsInputRedirected,
    };
}
