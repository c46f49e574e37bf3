namespace Tollgate.Gateway.Forwarding;

/// <summary>Which proxy door a request came through (each has its own request shape and wire format).</summary>
internal enum ProxyOperation
{
    Chat,
    Embeddings,
    Messages,
    Responses,
}
