using System.Net;
using System.Text;
using System.Text.Json;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Admin;

/// <summary>Admin request bodies are bounded however they are framed: declared too long, or sent in chunks with no length.</summary>
public sealed class AdminBodyLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PostBudget_BodyOverTheLimit_413InOpenAiShapeAndNothingCreated(bool chunked)
    {
        await using var gateway = await TestGateway.StartAsync();
        // A valid budget followed by 200 KB of padding inside a string: only its size is wrong.
        var json = "{\"id\":\"big\",\"scope\":{\"tenant\":\"acme\"},\"limit\":\"5\",\"period\":\"daily\",\"name\":\"" + new string('x', 200_000) + "\"}";
        HttpContent content = chunked
            ? new StreamContent(new ChunkedOnly(Encoding.UTF8.GetBytes(json)))
            : new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await gateway.Admin.PostAsync("/admin/budgets", content, Ct);
        var list = await gateway.Admin.GetStringAsync("/admin/budgets", Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(chunked, response.RequestMessage!.Content!.Headers.ContentLength is null);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("request_too_large", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("\"big\"", list, StringComparison.Ordinal);
    }

    /// <summary>A body whose length is unknown up front, so the client sends it chunked.</summary>
    private sealed class ChunkedOnly(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
