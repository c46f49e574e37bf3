using Tollgate.Cli;

namespace Tollgate.Cli.Tests.Ledger;

/// <summary>Runs the CLI in-process and captures what it printed.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static async Task<CliRun> RunWithInputAsync(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, new CliConsole(new StringReader(stdin), output, error), TestContext.Current.CancellationToken);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public static Task<CliRun> RunAsync(params string[] args) => RunWithInputAsync("", args);
}
