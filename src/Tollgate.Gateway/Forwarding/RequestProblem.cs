namespace Tollgate.Gateway.Forwarding;

/// <summary>What is wrong with a request body: the message saying what to fix, the field at fault and the error code.</summary>
internal sealed record RequestProblem(string Message, string? Param = null, string Code = "invalid_request");
