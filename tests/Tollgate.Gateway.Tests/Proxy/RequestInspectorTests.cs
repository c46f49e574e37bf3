using System.Text;
using Tollgate.Gateway.Forwarding;

namespace Tollgate.Gateway.Tests.Proxy;

public sealed class RequestInspectorTests
{
    private static RequestNeeds NeedsOf(string json)
    {
        Assert.Null(RequestInspector.Inspect(Encoding.UTF8.GetBytes(json), out var info));
        return info.Needs;
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}""", (int)RequestNeeds.Vision)]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"https://x/y.png"}]}]}""", (int)RequestNeeds.Vision)]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type": "image","source":{"type":"base64","media_type":"image/png","data":"AA=="}}]}]}""", (int)RequestNeeds.Vision)]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}""", (int)RequestNeeds.Tools)]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"functions":[{"name":"f"}]}""", (int)RequestNeeds.Tools)]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""", (int)RequestNeeds.JsonSchema)]
    [InlineData("""{"model":"m","response_format":{"json_schema":{"name":"x","schema":{"type":"text"}},"type":"json_schema"},"messages":[{"role":"user","content":"hi"}]}""", (int)RequestNeeds.JsonSchema)]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[],"response_format":{"type":"text"}}""", (int)RequestNeeds.None)]
    public void Inspect_CapabilityParts_Found(string json, int expected) => Assert.Equal((RequestNeeds)expected, NeedsOf(json));

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"the field is called \"image_url\" in the API"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"ends with a quoted \"image"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"an image of a cat"}],"metadata":{"image":"x"}}""")]
    public void Inspect_ImageWordsInTextOrOutsideThePrompt_NoVision(string json) => Assert.Equal(RequestNeeds.None, NeedsOf(json));
}
