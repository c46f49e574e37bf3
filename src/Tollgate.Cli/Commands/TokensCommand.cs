using System.CommandLine;
using System.Globalization;
using Tollgate.Tokens;

namespace Tollgate.Cli.Commands;

/// <summary><c>tollgate tokens count</c> and <c>tollgate tokens estimate</c>.</summary>
internal static class TokensCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("tokens", "Count tokens in files and estimate the worst-case cost of a chat request.");
        command.Subcommands.Add(CreateCount(console));
        return command;
    }

    private static Command CreateCount(CliConsole console)
    {
        var encodingOption = new Option<string?>("--encoding", "-e")
        {
            Description = $"Encoding to count with: {string.Join(", ", TiktokenEncoding.Names)}.",
        };
        var modelOption = new Option<string?>("--model", "-m")
        {
            Description = "Count as this model does (e.g. gpt-4o, gpt-3.5-turbo; other providers' models are estimates).",
        };
        var filesArgument = new Argument<FileInfo[]>("FILE")
        {
            Description = "UTF-8 text files; '-' reads standard input.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("count", "Print COUNT<TAB>FILE for each file (tiktoken encode_ordinary counts).");
        command.Options.Add(encodingOption);
        command.Options.Add(modelOption);
        command.Arguments.Add(filesArgument);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var encodingName = parseResult.GetValue(encodingOption);
            var modelName = parseResult.GetValue(modelOption);
            var tokenizer = ResolveCounter(encodingName, modelName);
            var files = parseResult.GetValue(filesArgument) ?? [];
            foreach (var file in files)
            {
                var count = await CountFileAsync(tokenizer.Encoding, file, console, cancellationToken);
                var scaled = tokenizer.Scale(count);
                await console.Out.WriteLineAsync($"{scaled.Tokens.ToString(CultureInfo.InvariantCulture)}\t{file.OriginalPath()}");
            }

            if (tokenizer.IsEstimate)
            {
                await console.Error.WriteLineAsync($"note: {tokenizer.Model} counts are estimates ({tokenizer.Encoding.Name} x {tokenizer.Factor.ToString(CultureInfo.InvariantCulture)}).");
            }

            return 0;
        });
        return command;
    }

    private static ModelTokenizer ResolveCounter(string? encodingName, string? modelName)
    {
        if (encodingName is not null && modelName is not null)
        {
            throw new CliException("give either --encoding or --model, not both.");
        }

        if (modelName is not null)
        {
            return TokenizerRegistry.TryForModel(modelName, out var byModel)
                ? byModel
                : throw new CliException($"unknown model '{modelName}': use an OpenAI model name (gpt-4o, gpt-4.1, o3, gpt-4, gpt-3.5-turbo, ...) or --encoding.");
        }

        encodingName ??= "o200k_base";
        return TiktokenEncoding.TryGet(encodingName, out var encoding)
            ? TokenizerRegistry.ForEncoding(encoding)
            : throw new CliException($"unknown encoding '{encodingName}': use one of {string.Join(", ", TiktokenEncoding.Names)}.");
    }

    private static async Task<long> CountFileAsync(TiktokenEncoding encoding, FileInfo file, CliConsole console, CancellationToken cancellationToken)
    {
        if (file.OriginalPath() == "-")
        {
            var text = await console.In.ReadToEndAsync(cancellationToken);
            return encoding.CountTokens(text.AsSpan());
        }

        try
        {
            await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            return await encoding.CountTokensAsync(stream, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read '{file.OriginalPath()}': {ex.Message}");
        }
    }

    private static string OriginalPath(this FileInfo file) => file.ToString();
}
