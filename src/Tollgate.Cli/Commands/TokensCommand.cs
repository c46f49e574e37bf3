using System.CommandLine;
using System.Globalization;
using Tollgate.Costing;
using Tollgate.Metering;
using Tollgate.Pricing;
using Tollgate.Tokens;

namespace Tollgate.Cli.Commands;

/// <summary><c>tollgate tokens count</c> and <c>tollgate tokens estimate</c>.</summary>
internal static class TokensCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("tokens", "Count tokens in files and estimate the worst-case cost of a chat request.");
        command.Subcommands.Add(CreateCount(console));
        command.Subcommands.Add(CreateEstimate(console));
        return command;
    }

    private static Command CreateEstimate(CliConsole console)
    {
        var requestArgument = new Argument<FileInfo>("REQUEST")
        {
            Description = "An OpenAI chat-completions request body (JSON); '-' reads standard input.",
        };
        var modelOption = new Option<string?>("--model", "-m") { Description = "Model to count and price for (default: the request's \"model\")." };
        var providerOption = new Option<string?>("--provider", "-p") { Description = "Provider to price with (default: inferred from the model, e.g. openai, anthropic, google)." };
        var command = new Command("estimate", "Print the input tokens and the worst-case cost (input + maximum output at the higher of the output and reasoning rates) of a chat request.");
        command.Arguments.Add(requestArgument);
        command.Options.Add(modelOption);
        command.Options.Add(providerOption);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var file = parseResult.GetValue(requestArgument)!;
            var json = await ReadRequestAsync(file, console, cancellationToken);
            ChatPrompt prompt;
            try
            {
                prompt = ChatPromptParser.Parse(json);
            }
            catch (FormatException ex)
            {
                throw new CliException($"'{file.OriginalPath()}' is not a chat request: {ex.Message}");
            }

            var model = parseResult.GetValue(modelOption) ?? prompt.Model
                ?? throw new CliException("the request has no \"model\": pass --model.");
            if (!TokenizerRegistry.TryForModel(model, out var tokenizer))
            {
                throw new CliException($"unknown model '{model}': use an OpenAI model name (gpt-4o, gpt-4.1, o3, gpt-4, ...) or a known family (claude-..., gemini-..., mistral-...).");
            }

            var provider = parseResult.GetValue(providerOption) ?? ProviderOf(tokenizer)
                ?? throw new CliException($"cannot tell the provider of '{model}': pass --provider.");

            var count = new ChatTokenCounter().Count(prompt, model);
            var estimator = new WorstCaseEstimator(new CostEngine(PriceCatalog.BuiltIn), ModelOutputLimits.BuiltIn);
            var estimate = estimator.Estimate(provider, model, new TokenCount(count.Total, count.IsEstimate), prompt.MaxOutputTokens, prompt.Choices);

            var inv = CultureInfo.InvariantCulture;
            var flag = count.IsEstimate ? " (estimate)" : "";
            await console.Out.WriteLineAsync($"model: {provider}/{model} ({count.Encoding}{(tokenizer.IsEstimate ? $" x {tokenizer.Factor.ToString(inv)}" : "")})");
            await console.Out.WriteLineAsync(string.Create(inv, $"input tokens: {count.Total}{flag} (messages {count.MessageTokens}, tools {count.ToolTokens}, images {count.ImageTokens}, audio {count.AudioTokens})"));
            await console.Out.WriteLineAsync(estimate.MaxOutputTokens is long max
                ? string.Create(inv, $"max output tokens: {max} ({estimate.MaxOutputSource})")
                : "max output tokens: unknown");
            await console.Out.WriteLineAsync(estimate.Cost is decimal cost
                ? $"worst-case cost: {Money.Format(cost)} {estimate.Currency} (output priced at the {(estimate.PricedAsReasoning ? "reasoning" : "output")} rate)"
                : $"worst-case cost: unpriced ({estimate.UnpricedReason})");
            foreach (var note in count.Notes)
            {
                await console.Error.WriteLineAsync($"note: {note}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>The pricing provider of a model family (the catalog's provider ids).</summary>
    private static string? ProviderOf(ModelTokenizer tokenizer) => tokenizer.IsEstimate
        ? tokenizer.Family switch
        {
            "claude" or "anthropic" => "anthropic",
            "gemini" or "gemma" => "google",
            "mistral" or "mixtral" or "codestral" or "magistral" or "ministral" or "pixtral" or "devstral" => "mistral",
            "command" => "cohere",
            "deepseek" => "deepseek",
            "grok" => "x-ai",
            "kimi" => "moonshotai",
            "glm" => "zai",
            _ => null,
        }
        : "openai";

    private static async Task<string> ReadRequestAsync(FileInfo file, CliConsole console, CancellationToken cancellationToken)
    {
        if (file.OriginalPath() == "-")
        {
            return await console.In.ReadToEndAsync(cancellationToken);
        }

        try
        {
            return await File.ReadAllTextAsync(file.FullName, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read '{file.OriginalPath()}': {ex.Message}");
        }
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
