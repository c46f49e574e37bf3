using System.Diagnostics;
using System.Text.Json;
using Tollgate.Cli.Tests.Ledger;

namespace Tollgate.Cli.Tests.Tokens;

public sealed class TokensCommandTests
{
    [Theory]
    [InlineData("o200k_base")]
    [InlineData("cl100k_base")]
    public async Task Count_EveryCorpusFile_EqualsExpected(string encoding)
    {
        var expected = Expected();
        var files = expected.Keys.Order().Select(f => SharedData.Path("tokens", f)).ToArray();

        var run = await CliRun.RunAsync(["tokens", "count", "--encoding", encoding, .. files]);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(files.Length, lines.Length);
        for (var i = 0; i < files.Length; i++)
        {
            var fields = lines[i].Split('\t');
            Assert.Equal(files[i], fields[1]);
            Assert.Equal(expected[Path.GetFileName(files[i])][encoding], int.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Count_Model_UsesItsEncoding()
    {
        var file = SharedData.Path("tokens", "edge_unicode.txt");

        var gpt4 = await CliRun.RunAsync("tokens", "count", "--model", "gpt-4-0613", file);
        var gpt4o = await CliRun.RunAsync("tokens", "count", "--model", "gpt-4o-2024-08-06", file);

        Assert.Equal($"106\t{file}\n", gpt4.Out.ReplaceLineEndings("\n"));
        Assert.Equal($"101\t{file}\n", gpt4o.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Count_EstimatedModel_ScaledAndNoted()
    {
        var file = SharedData.Path("tokens", "edge_unicode.txt");

        var run = await CliRun.RunAsync("tokens", "count", "--model", "claude-sonnet-4-5", file);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("132\t", run.Out, StringComparison.Ordinal); // ceil(101 x 1.30) = ceil(131.3)
        Assert.Contains("estimate", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--encoding", "o300k_base", "unknown encoding 'o300k_base'")]
    [InlineData("--model", "my-own-model", "unknown model 'my-own-model'")]
    public async Task Count_UnknownEncodingOrModel_ErrorExit1(string option, string value, string message)
    {
        var run = await CliRun.RunAsync("tokens", "count", option, value, SharedData.Path("tokens", "edge_crlf.txt"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task Count_MissingFile_ErrorExit1()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"tg-missing-{Guid.NewGuid():N}.txt");

        var run = await CliRun.RunAsync("tokens", "count", missing);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"cannot read '{missing}'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_StandardInput_Counted()
    {
        var run = await CliRun.RunWithInputAsync("hello world", "tokens", "count", "--encoding", "cl100k_base", "-");

        Assert.Equal("2\t-\n", run.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Estimate_Request_PrintsInputTokensAndWorstCaseFromCatalog()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tg-request-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {"model":"gpt-4o","max_tokens":1000,"messages":[
              {"role":"system","content":"You are a helpful assistant."},
              {"role":"user","content":"Hello!","name":"alice"}]}
            """, TestContext.Current.CancellationToken);
        try
        {
            var run = await CliRun.RunAsync("tokens", "estimate", file);

            Assert.Equal(0, run.ExitCode);
            // 21 input tokens (3+1+6, 3+1+2+1+1, 3); built-in catalog gpt-4o: 2.50/M input, 10/M output:
            // 21 x 2.5/M + 1000 x 10/M = 0.0000525 + 0.01
            Assert.Contains("input tokens: 21 (messages 21, tools 0, images 0, audio 0)", run.Out, StringComparison.Ordinal);
            Assert.Contains("max output tokens: 1000 (request)", run.Out, StringComparison.Ordinal);
            Assert.Contains("worst-case cost: 0.0100525 USD", run.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Estimate_NoMaxTokens_UsesModelMaximumOutput()
    {
        var run = await CliRun.RunWithInputAsync("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}""", "tokens", "estimate", "-");

        Assert.Equal(0, run.ExitCode);
        // 3+1+2+3 = 9 input; gpt-4o-mini: 0.15/M input, 0.60/M output, 16384 max output:
        // 9 x 0.15/M + 16384 x 0.6/M = 0.00000135 + 0.0098304
        Assert.Contains("input tokens: 9 ", run.Out, StringComparison.Ordinal);
        Assert.Contains("max output tokens: 16384", run.Out, StringComparison.Ordinal);
        Assert.Contains("worst-case cost: 0.00983175 USD", run.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"my-own-model","messages":[]}""", "unknown model 'my-own-model'")]
    [InlineData("""{"model":"gpt-4o"}""", "no \"messages\" array")]
    [InlineData("{oops", "not valid JSON")]
    [InlineData("""{"messages":[]}""", "pass --model")]
    public async Task Estimate_BadRequest_ErrorExit1(string json, string message)
    {
        var run = await CliRun.RunWithInputAsync(json, "tokens", "estimate", "-");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RealBinary_CountEdgeFiles_EqualsExpected()
    {
        var expected = Expected();
        var files = expected.Keys.Where(f => f.StartsWith("edge_", StringComparison.Ordinal)).Order().Select(f => SharedData.Path("tokens", f)).ToArray();
        var start = new ProcessStartInfo(TollgateBinary.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "tokens", "count", "--encoding", "o200k_base" }.Concat(files))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, process.ExitCode);
        var expectedOutput = string.Concat(files.Select(f => $"{expected[Path.GetFileName(f)]["o200k_base"]}\t{f}\n"));
        Assert.Equal(expectedOutput, output);
    }

    private static Dictionary<string, Dictionary<string, int>> Expected() =>
        JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, int>>>(File.ReadAllText(SharedData.Path("tokens", "expected.json")))!;
}
