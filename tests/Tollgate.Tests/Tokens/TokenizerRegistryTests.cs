using Tollgate.Tokens;

namespace Tollgate.Tests.Tokens;

public sealed class TokenizerRegistryTests
{
    [Theory]
    [InlineData("gpt-4o", "o200k_base")]
    [InlineData("gpt-4o-2024-08-06", "o200k_base")]
    [InlineData("gpt-4o-mini-2024-07-18", "o200k_base")]
    [InlineData("chatgpt-4o-latest", "o200k_base")]
    [InlineData("gpt-4.1-nano-2025-04-14", "o200k_base")]
    [InlineData("gpt-4.5-preview", "o200k_base")]
    [InlineData("o1", "o200k_base")]
    [InlineData("o3-mini-2025-01-31", "o200k_base")]
    [InlineData("o4-mini", "o200k_base")]
    [InlineData("gpt-5", "o200k_base")]
    [InlineData("gpt-5.1", "o200k_base")]
    [InlineData("gpt-5-mini-2025-08-07", "o200k_base")]
    [InlineData("openai/gpt-4o", "o200k_base")]
    [InlineData("GPT-4O", "o200k_base")]
    [InlineData("gpt-4", "cl100k_base")]
    [InlineData("gpt-4-0613", "cl100k_base")]
    [InlineData("gpt-4-turbo-2024-04-09", "cl100k_base")]
    [InlineData("gpt-3.5-turbo-0125", "cl100k_base")]
    [InlineData("gpt-35-turbo", "cl100k_base")]
    [InlineData("text-embedding-3-small", "cl100k_base")]
    [InlineData("text-embedding-ada-002", "cl100k_base")]
    [InlineData("text-davinci-003", "p50k_base")]
    [InlineData("davinci", "r50k_base")]
    public void ForModel_OpenAiModel_ExactEncoding(string model, string encoding)
    {
        var tokenizer = TokenizerRegistry.ForModel(model);

        Assert.Equal(encoding, tokenizer.Encoding.Name);
        Assert.False(tokenizer.IsEstimate);
        Assert.Equal(1m, tokenizer.Factor);
    }

    [Theory]
    [InlineData("claude-sonnet-4-5", "claude", 1.30)]
    [InlineData("anthropic/claude-3-5-haiku-20241022", "claude", 1.30)]
    [InlineData("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic", 1.30)]
    [InlineData("gemini-2.5-pro", "gemini", 1.15)]
    [InlineData("mistral-large-latest", "mistral", 1.20)]
    [InlineData("meta-llama/Llama-3.1-8B-Instruct", "llama", 1.15)]
    [InlineData("llama3.1", "llama", 1.15)]
    public void ForModel_OtherProvider_FlaggedEstimate(string model, string family, double factor)
    {
        var tokenizer = TokenizerRegistry.ForModel(model);

        Assert.True(tokenizer.IsEstimate);
        Assert.Equal(family, tokenizer.Family);
        Assert.Equal((decimal)factor, tokenizer.Factor);
        Assert.Equal("o200k_base", tokenizer.Encoding.Name);
    }

    [Fact]
    public void Count_EstimatedModel_ScalesAndRoundsUp()
    {
        var text = "The quick brown fox jumps over the lazy dog.";
        var exact = TiktokenEncoding.O200kBase.CountTokens(text); // 10 tokens

        var count = TokenizerRegistry.ForModel("claude-opus-4-1").Count(text);

        Assert.Equal(10, exact);
        Assert.Equal(13, count.Tokens); // ceil(10 x 1.30)
        Assert.True(count.IsEstimate);
    }

    [Theory]
    [InlineData("gpt-4omega")]
    [InlineData("gpt-40")]
    [InlineData("xgpt-4o")]
    [InlineData("o10")]
    [InlineData("my-model")]
    [InlineData("")]
    public void TryForModel_NotAFamilyMember_False(string model)
    {
        Assert.False(TokenizerRegistry.TryForModel(model, out _));
        Assert.ThrowsAny<ArgumentException>(() => TokenizerRegistry.ForModel(model));
    }
}
