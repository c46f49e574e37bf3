using System.Diagnostics;
using Tollgate.Cli.Tests.Ledger;

namespace Tollgate.Cli.Tests.Usability;

/// <summary>What a person sees: the command's name, help instead of a wait, errors that say what to write.</summary>
public sealed class CliUsabilityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tg-cli-" + Guid.NewGuid().ToString("N"));

    public CliUsabilityTests() => Directory.CreateDirectory(_directory);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Help_RootAndSubcommand_UsageLinesSayTollgate()
    {
        var root = await CliRun.RunAsync("--help");
        var serve = await CliRun.RunAsync("serve", "--help");

        Assert.Contains("tollgate [command] [options]", root.Out);
        Assert.Contains("tollgate serve [options]", serve.Out);
        Assert.DoesNotContain("Tollgate.Cli", root.Out + serve.Out);
    }

    [Fact]
    public async Task NoArguments_PrintsHelpAndExitsZero()
    {
        var run = await CliRun.RunAsync();

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Out);
        Assert.Contains("serve", run.Out);
    }

    [Fact]
    public async Task ServePort_NotANumber_SaysWhatToWriteWithoutTypeNames()
    {
        var run = await CliRun.RunAsync("serve", "--port", "abc");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'--port': expected a whole number", run.Error);
        Assert.Contains("see 'tollgate serve --help'", run.Error);
        Assert.DoesNotContain("System.", run.Error);
    }

    [Fact]
    public async Task ServePort_OutOfRange_ValidationAgreesWithHelp()
    {
        var help = await CliRun.RunAsync("serve", "--help");
        var run = await CliRun.RunAsync("serve", "--port", "70000", "--store", "memory", "--data", _directory);

        Assert.Contains("0 = any free port", help.Out);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("use 1-65535, or 0 for any free port", run.Error);
    }

    [Fact]
    public async Task ServeConfig_ValueOfTheWrongType_NoDotNetTypeNames()
    {
        var config = Path.Combine(_directory, "tollgate.json");
        await File.WriteAllTextAsync(config, """{"port": "four thousand", "keyCacheSeconds": "soon"}""", Ct);

        var run = await CliRun.RunAsync("serve", "--config", config, "--store", "memory", "--data", _directory);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("expected a whole number", run.Error);
        Assert.DoesNotContain("System.", run.Error);
        Assert.DoesNotContain("Tollgate.Gateway", run.Error);
    }

    [Fact]
    public async Task ServeConfig_UnknownSetting_NamedWithoutDotNetTypeNames()
    {
        var config = Path.Combine(_directory, "tollgate.json");
        await File.WriteAllTextAsync(config, """{"prot": 4000}""", Ct);

        var run = await CliRun.RunAsync("serve", "--config", config, "--store", "memory", "--data", _directory);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("unknown setting 'prot'", run.Error);
        Assert.DoesNotContain("Tollgate.Gateway", run.Error);
        Assert.DoesNotContain("BinderOptions", run.Error);
    }

    [Fact]
    public async Task PriceAndServeConfig_PricingValueOfTheWrongType_NamesThePathNotTheType()
    {
        var config = Path.Combine(_directory, "pricing.json");
        await File.WriteAllTextAsync(config, """{"pricing": {"negotiatedDiscounts": [{"provider": "openai", "percent": "lots"}]}}""", Ct);

        var price = await CliRun.RunAsync("price", "--provider", "openai", "--model", "gpt-4o", "--input-tokens", "10", "--config", config);
        var serve = await CliRun.RunAsync("serve", "--config", config, "--store", "memory", "--data", _directory);

        Assert.Equal(1, price.ExitCode);
        Assert.Equal(1, serve.ExitCode);
        Assert.Contains("percent (line 1) has a value of the wrong type", price.Error);
        Assert.Contains("percent (line 1) has a value of the wrong type", serve.Error);
        Assert.DoesNotContain("Tollgate.", price.Error + serve.Error);
        Assert.DoesNotContain("System.", price.Error + serve.Error);
    }

    [Fact]
    public async Task Price_NoArgumentsOnATerminal_PrintsHelpWithTheInputFormatInsteadOfWaiting()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(new BlockingReader(), output, error) { IsInputInteractive = true };

        var code = await CliApp.RunAsync(["price"], console, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(0, code);
        Assert.Contains("Usage:", output.ToString());
        Assert.Contains("\"api_flavor\"", output.ToString());
        Assert.Contains("| tollgate price", output.ToString());
    }

    [Fact]
    public async Task CompletionBash_SourcedInBash_CompletesSubcommandsOptionsAndFilesForValues()
    {
        var script = Path.Combine(_directory, "tollgate.bash");
        await File.WriteAllTextAsync(script, (await CliRun.RunAsync("completion", "bash")).Out, Ct);

        Assert.Equal("budget", await CompleteAsync(script, "tollgate bud"));
        Assert.Equal("set status", await CompleteAsync(script, "tollgate budget s"));
        Assert.Equal("--demo", await CompleteAsync(script, "tollgate serve --de"));
        Assert.Equal("", await CompleteAsync(script, "tollgate serve --config "));
    }

    [Fact]
    public async Task CompletionZsh_IsValidZshNamingEveryCommand()
    {
        var run = await CliRun.RunAsync("completion", "zsh");
        var script = Path.Combine(_directory, "_tollgate");
        await File.WriteAllTextAsync(script, run.Out, Ct);

        Assert.StartsWith("#compdef tollgate", run.Out);
        foreach (var command in new[] { "\"tollgate budget set\"", "\"tollgate keys create\"", "--demo", "compdef _tollgate tollgate" })
        {
            Assert.Contains(command, run.Out);
        }

        var (exit, output) = await RunAsync("zsh", "-n", script);
        Assert.True(exit == 0, $"zsh -n rejects the script: {output}");
    }

    [Fact]
    public async Task Completion_UnknownShell_SaysWhichShellsExist()
    {
        var run = await CliRun.RunAsync("completion", "fish");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'tollgate completion bash' or 'tollgate completion zsh'", run.Error);
    }

    /// <summary>What bash completion offers for <paramref name="line"/> (the word being completed is the last one).</summary>
    private static async Task<string> CompleteAsync(string script, string line)
    {
        var words = line.EndsWith(' ') ? [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries), ""] : line.Split(' ');
        var array = string.Join(' ', words.Select(w => $"'{w}'"));
        var (exit, output) = await RunAsync("bash", "-c", $"source '{script}'; COMP_WORDS=({array}); COMP_CWORD={words.Length - 1}; _tollgate; echo \"${{COMPREPLY[*]}}\"");
        Assert.True(exit == 0, output);
        return output.Trim();
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A terminal nobody types into: reading it never ends.</summary>
    private sealed class BlockingReader : TextReader
    {
        public override ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) =>
            new(Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => (string?)null, TaskScheduler.Default));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
