using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Tollgate.Cli.Tests.Pricing;

public sealed class PriceCommandTests(ITestOutputHelper output)
{
    private const string Gpt4oOverride = """
        [{"id": "openai", "name": "OpenAI", "api_pattern": "x", "models": [
          {"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "prices": {"input_mtok": 1, "output_mtok": 2}},
          {"id": "house-model", "match": {"starts_with": "house-"}, "prices": {"input_mtok": 3, "output_mtok": 4}}
        ]}]
        """;

    [Fact]
    public async Task Price_SampleOnStdin_EveryLineAgreesWithExpected()
    {
        var path = SharedData.Path("genai-prices", "usage-cases.sample.jsonl");
        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        var (exit, stdout, _) = await RunAsync(["price"], string.Join('\n', lines));

        var outputs = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines.Length, outputs.Length);
        var agree = 0;
        var failures = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            using var input = JsonDocument.Parse(lines[i]);
            using var result = JsonDocument.Parse(outputs[i]);
            var expected = input.RootElement.GetProperty("expected");
            var actual = result.RootElement;
            var problem = Compare(expected, actual);
            if (problem is null)
            {
                agree++;
            }
            else
            {
                failures.Add($"line {i + 1}: {problem}");
            }
        }

        output.WriteLine($"tollgate price agreement: {agree}/{lines.Length}");
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(20)));
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task Price_BadLines_ErrorLinesInOrderAndNonZeroExit()
    {
        var input = string.Join('\n',
            "not json",
            """{"api_flavor": "chat", "body": {}}""",
            """{"provider": "openai", "api_flavor": "chat", "body": {"model": "gpt-4o", "usage": {"prompt_tokens": -5, "completion_tokens": 3}}}""",
            """{"provider": "openai", "api_flavor": "chat", "body": {"model": "gpt-4o", "usage": {"prompt_tokens": 5000000000000000000, "completion_tokens": 3}}}""",
            """{"provider": "openai", "api_flavor": "chat", "timestamp": "2026-11-22T10:00:00Z", "body": {"model": "gpt-4o", "usage": {"prompt_tokens": 1000, "completion_tokens": 500}}}""");
        var (exit, stdout, _) = await RunAsync(["price"], input);

        var results = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(5, results.Count);
        Assert.Contains("not valid JSON", results[0].GetProperty("error").GetString());
        Assert.Contains("provider", results[1].GetProperty("error").GetString());
        Assert.Contains("negative", results[2].GetProperty("error").GetString());
        Assert.Contains("absurd", results[3].GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, results[4].GetProperty("error").ValueKind);
        Assert.Equal("0.0075", results[4].GetProperty("total_price").GetString());
        Assert.Equal(1, exit);
    }

    [Fact]
    public async Task Price_UnknownModelLine_UnpricedNotFailed()
    {
        var (exit, stdout, _) = await RunAsync(["price"], """{"provider": "openai", "api_flavor": "chat", "body": {"model": "gpt-99-imaginary", "usage": {"prompt_tokens": 10, "completion_tokens": 2}}}""");

        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.False(result.GetProperty("priced").GetBoolean());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("input_price").ValueKind);
        Assert.Equal(10, result.GetProperty("usage").GetProperty("input_tokens").GetInt64());
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task Price_HumanForm_PrintsHandComputedBreakdown()
    {
        // gpt-4o: $2.50 / $10 per Mtok, cache read $1.25: 800 uncached × 2.5 + 200 × 1.25 + 500 × 10, per million.
        var (exit, stdout, _) = await RunAsync(["price", "--provider", "openai", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500", "--cache-read-tokens", "200", "--at", "2026-11-22T10:00:00Z"]);

        Assert.Equal(0, exit);
        Assert.Contains("input        0.00225 USD", stdout);
        Assert.Contains("output       0.005 USD", stdout);
        Assert.Contains("total        0.00725 USD", stdout);
        Assert.Contains("price source: builtin", stdout);
    }

    [Fact]
    public async Task Price_HumanFormCurrency_ConvertsWithGivenRate()
    {
        var (exit, stdout, _) = await RunAsync(["price", "--provider", "openai", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500", "--currency", "EUR", "--exchange-rate", "EUR=0.9"]);

        Assert.Equal(0, exit);
        Assert.Contains("total        0.00675 EUR", stdout);
    }

    [Fact]
    public async Task Price_HumanFormCurrencyWithoutRate_ExitsNamingTheExchangeRateFlag()
    {
        var (exit, _, stderr) = await RunAsync(["price", "--provider", "openai", "--model", "gpt-4o", "--input-tokens", "1000", "--currency", "EUR"]);

        Assert.Equal(1, exit);
        Assert.Contains("needs an exchange rate", stderr);
        Assert.Contains("--exchange-rate EUR=", stderr);
    }

    [Fact]
    public async Task Price_HumanFormUnknownModel_UnpricedWithHintsNonZeroExit()
    {
        var (exit, stdout, _) = await RunAsync(["price", "--provider", "openai", "--model", "gpt-4oo", "--input-tokens", "1000", "--output-tokens", "500"]);

        Assert.Equal(1, exit);
        Assert.Contains("unpriced", stdout);
        Assert.Contains("gpt-4o", stdout);
        Assert.DoesNotContain("total", stdout);
    }

    [Fact]
    public async Task Price_PricesFile_OverridesInBothForms()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tg-prices-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, Gpt4oOverride, TestContext.Current.CancellationToken);
        try
        {
            var (exit, stdout, _) = await RunAsync(["price", "--prices", file, "--provider", "openai", "--model", "gpt-4o", "--input-tokens", "1000000", "--output-tokens", "1000000"]);
            Assert.Equal(0, exit);
            Assert.Contains("total        3 USD", stdout);
            Assert.Contains($"override:{file}", stdout);

            (exit, stdout, _) = await RunAsync(["price", "--prices", file], """{"provider": "openai", "api_flavor": "chat", "body": {"model": "house-7", "usage": {"prompt_tokens": 1000000, "completion_tokens": 0}}}""");
            var result = JsonDocument.Parse(stdout).RootElement;
            Assert.Equal(0, exit);
            Assert.Equal("house-model", result.GetProperty("model_id").GetString());
            Assert.Equal("3", result.GetProperty("input_price").GetString());
            Assert.Equal($"override:{file}", result.GetProperty("price_source").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Price_ConfigFile_DiscountAndDatedRateApplied()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tg-config-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {"Pricing": {
              "Currency": "EUR",
              "ExchangeRates": [{"Currency": "EUR", "Rate": 0.5, "EffectiveFrom": "2026-01-01T00:00:00Z"},
                                {"Currency": "EUR", "Rate": 0.8, "EffectiveFrom": "2026-10-01T00:00:00Z"}],
              "NegotiatedDiscounts": [{"Provider": "openai", "Model": "gpt-4o", "Percent": 25}]
            }}
            """, TestContext.Current.CancellationToken);
        try
        {
            // gpt-4o 1M in + 1M out = $12.50; 25% off → 9.375; × 0.8 EUR (rate in force on 2026-11-22) = 7.5.
            var (exit, stdout, stderr) = await RunAsync(["price", "--config", file, "--provider", "openai", "--model", "gpt-4o", "--input-tokens", "1000000", "--output-tokens", "1000000", "--at", "2026-11-22T10:00:00Z"]);
            Assert.True(exit == 0, stderr + stdout);
            Assert.Contains("total        7.5 EUR", stdout);
            Assert.Contains("negotiated discount 25%", stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Price_BrokenPricesFile_ClearError()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tg-prices-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """[{"id": "openai", "models": [{"id": "x", "match": {"nope": 1}, "prices": {}}]}]""", TestContext.Current.CancellationToken);
        try
        {
            var (exit, _, stderr) = await RunAsync(["price", "--prices", file, "--provider", "openai", "--model", "x", "--input-tokens", "1"]);
            Assert.Equal(1, exit);
            Assert.Contains("unknown match clause 'nope'", stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Price_RealBinary_PricesPipedLines()
    {
        var binary = FindTollgateBinary();
        var start = new ProcessStartInfo(binary, ["price"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync("""{"provider": "anthropic", "api_flavor": "default", "timestamp": "2026-11-22T10:00:00Z", "body": {"model": "claude-sonnet-4-5", "usage": {"input_tokens": 1000, "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 500, "output_tokens": 100}}}""");
        await process.StandardInput.WriteLineAsync("{broken");
        process.StandardInput.Close();
        var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var first = JsonDocument.Parse(lines[0]).RootElement;

        // claude-sonnet-4-5: input $3, cache write $3.75, cache read $0.30, output $15 per Mtok; input_tokens = 1000 + 2000 + 500.
        // input = (1000 × 3 + 500 × 3.75 + 2000 × 0.3) / 1e6 = 0.005475; output = 100 × 15 / 1e6 = 0.0015.
        Assert.Equal("0.005475", first.GetProperty("input_price").GetString());
        Assert.Equal("0.0015", first.GetProperty("output_price").GetString());
        Assert.Equal(3500, first.GetProperty("usage").GetProperty("input_tokens").GetInt64());
        Assert.NotNull(JsonDocument.Parse(lines[1]).RootElement.GetProperty("error").GetString());
        Assert.Equal(1, process.ExitCode);
    }

    private static string? Compare(JsonElement expected, JsonElement actual)
    {
        if (actual.GetProperty("error").ValueKind != JsonValueKind.Null)
        {
            return $"error {actual.GetProperty("error")}";
        }

        var expectedUsage = expected.GetProperty("usage").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        var actualUsage = actual.GetProperty("usage").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        if (expectedUsage.Count != actualUsage.Count || expectedUsage.Any(kv => !actualUsage.TryGetValue(kv.Key, out var v) || v != kv.Value))
        {
            return $"usage {actual.GetProperty("usage")} != {expected.GetProperty("usage")}";
        }

        var priced = expected.GetProperty("priced").GetBoolean();
        if (actual.GetProperty("priced").GetBoolean() != priced)
        {
            return $"priced {actual.GetProperty("priced")} != {priced}";
        }

        if (!priced)
        {
            return null;
        }

        foreach (var key in new[] { "input_price", "output_price" })
        {
            var e = decimal.Parse(expected.GetProperty(key).GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
            var a = decimal.Parse(actual.GetProperty(key).GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (e != a)
            {
                return $"{key} {a} != {e}";
            }
        }

        return null;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string[] args, string stdin = "")
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, new CliConsole(new StringReader(stdin), stdout, stderr), TestContext.Current.CancellationToken);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string FindTollgateBinary()
    {
        // The test runs from tests/Tollgate.Cli.Tests/bin/<Configuration>/<tfm>/; the command is built beside the CLI project.
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory);
        var tfm = baseDir.Name;
        var configuration = baseDir.Parent!.Name;
        for (var dir = baseDir; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tollgate.slnx")))
            {
                var binary = Path.Combine(dir.FullName, "src", "Tollgate.Cli", "bin", configuration, tfm, OperatingSystem.IsWindows() ? "tollgate.exe" : "tollgate");
                Assert.True(File.Exists(binary), $"The built tollgate command is missing at {binary}; build src/Tollgate.Cli first.");
                return binary;
            }
        }

        Assert.Fail($"No Tollgate.slnx above {AppContext.BaseDirectory}.");
        return string.Empty;
    }
}
