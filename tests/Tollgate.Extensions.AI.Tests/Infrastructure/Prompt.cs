using Microsoft.Extensions.AI;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Tests.Infrastructure;

/// <summary>A one-message prompt and its token count by OpenAI's chat framing, computed independently of the middleware.</summary>
internal static class Prompt
{
    public const string Question = "What is the capital of France? Answer in one short sentence.";

    public static List<ChatMessage> Messages() => [new ChatMessage(ChatRole.User, Question)];

    /// <summary>3 tokens to prime the reply + 3 per message + the role + the text (gpt-4o family: o200k_base).</summary>
    public static long Tokens => 3 + 3 + TiktokenEncoding.O200kBase.CountTokens("user") + TiktokenEncoding.O200kBase.CountTokens(Question);
}
