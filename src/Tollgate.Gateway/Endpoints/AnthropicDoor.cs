namespace Tollgate.Gateway.Endpoints;

/// <summary>Endpoint metadata marking Anthropic's API (<c>/v1/messages</c>…): its errors are written in Anthropic's shape.</summary>
internal sealed class AnthropicDoor
{
    public static readonly AnthropicDoor Instance = new();

    private AnthropicDoor()
    {
    }
}
