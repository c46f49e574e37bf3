namespace Tollgate.Extensions.AI.Internal;

/// <summary>A request's prompt tokens for its model (tool definitions included) and the tool definitions' share.</summary>
internal readonly record struct PromptCount(long Total, long ToolTokens);
