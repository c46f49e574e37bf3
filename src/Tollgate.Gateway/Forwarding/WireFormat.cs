namespace Tollgate.Gateway.Forwarding;

/// <summary>The request/response dialect a provider endpoint speaks.</summary>
internal enum WireFormat
{
    OpenAI,
    Anthropic,
    Gemini,
}
