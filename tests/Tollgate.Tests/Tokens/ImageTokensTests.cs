using Tollgate.Tokens;

namespace Tollgate.Tests.Tokens;

/// <summary>Hand-computed figures from the providers' published formulas.</summary>
public sealed class ImageTokensTests
{
    [Theory]
    // 1024x1024 high: shortest side 1024 -> 768: 768x768 = 2x2 tiles -> 85 + 4 x 170.
    [InlineData("gpt-4o", 1024, 1024, ImageDetail.High, 765)]
    // low detail: base only.
    [InlineData("gpt-4o", 4000, 3000, ImageDetail.Low, 85)]
    // 2048x4096: fit 2048 -> 1024x2048; shortest 768 -> 768x1536 = 2x3 tiles -> 85 + 6 x 170.
    [InlineData("gpt-4o-2024-08-06", 2048, 4096, ImageDetail.High, 1105)]
    // small image, no scaling: 500x300 = 1x1 tile.
    [InlineData("gpt-4.1", 500, 300, ImageDetail.Auto, 255)]
    // gpt-4o-mini: 2833 + 4 x 5667.
    [InlineData("gpt-4o-mini", 1024, 1024, ImageDetail.High, 25501)]
    // o1: 75 + 4 x 150.
    [InlineData("o1", 1024, 1024, ImageDetail.High, 675)]
    // gpt-5: 70 + 4 x 140.
    [InlineData("gpt-5", 1024, 1024, ImageDetail.High, 630)]
    // patches: 1024x1024 = 32 x 32 = 1024 patches x 1.62 = 1658.88 -> 1659.
    [InlineData("gpt-4.1-mini", 1024, 1024, ImageDetail.High, 1659)]
    // patches: 1800x2400 = 57 x 75 > 1536 -> scaled to 1056x1408 = 33 x 44 = 1452 (OpenAI's example) x 2.46 = 3571.92 -> 3572.
    [InlineData("gpt-4.1-nano", 1800, 2400, ImageDetail.High, 3572)]
    // o4-mini: 1452 x 1.72 = 2497.44 -> 2498.
    [InlineData("o4-mini", 1800, 2400, ImageDetail.Low, 2498)]
    public void ForModel_OpenAi_PublishedFormula(string model, int width, int height, ImageDetail detail, long expected)
    {
        var count = ImageTokens.ForModel(model, width, height, detail);

        Assert.Equal(expected, count.Tokens);
        Assert.False(count.IsEstimate);
    }

    [Theory]
    // Anthropic: 200x200 = 40000 / 750 = 53.3 -> 54; 1092x1092 = 1192464 / 750 = 1589.95 -> 1590 (Anthropic's table).
    [InlineData(200, 200, 54)]
    [InlineData(1092, 1092, 1590)]
    // 3136x1568: long edge -> 1568x784 = 1229312 > 1.2 MP -> x sqrt(1200000/1229312) = 0.98800 -> 1549x774 = 1198926 / 750 -> 1599.
    [InlineData(3136, 1568, 1599)]
    public void ForModel_Anthropic_AreaOver750(int width, int height, long expected)
    {
        var count = ImageTokens.ForModel("claude-sonnet-4-5", width, height);

        Assert.Equal(expected, count.Tokens);
        Assert.True(count.IsEstimate);
    }

    [Fact]
    public void ForModel_Gemini_TilesOf768()
    {
        Assert.Equal(258, ImageTokens.ForModel("gemini-2.5-flash", 384, 384).Tokens);
        Assert.Equal(258 * 2 * 2, ImageTokens.ForModel("gemini-2.5-flash", 1000, 800).Tokens);
    }

    [Fact]
    public void WorstCaseForModel_UnknownSize_LargestTileCountAndFlagged()
    {
        var count = ImageTokens.WorstCaseForModel("gpt-4o");

        Assert.Equal(85 + (8 * 170), count.Tokens); // at most 4 x 2 tiles after scaling (2048 x 768)
        Assert.True(count.IsEstimate);
        Assert.Equal(85, ImageTokens.WorstCaseForModel("gpt-4o", ImageDetail.Low).Tokens);
        Assert.True(ImageTokens.OpenAiTiles(2048, 768, ImageDetail.High) == count.Tokens);
    }

    [Fact]
    public void ImageDimensions_PngGifJpegWebp_ReadFromHeaders()
    {
        Assert.True(ImageDimensions.TryRead(TestImages.Png(1024, 768), out var w, out var h));
        Assert.Equal((1024, 768), (w, h));
        Assert.True(ImageDimensions.TryRead(TestImages.Gif(320, 200), out w, out h));
        Assert.Equal((320, 200), (w, h));
        Assert.True(ImageDimensions.TryRead(TestImages.Jpeg(640, 480), out w, out h));
        Assert.Equal((640, 480), (w, h));
        Assert.True(ImageDimensions.TryRead(TestImages.WebPExtended(1920, 1080), out w, out h));
        Assert.Equal((1920, 1080), (w, h));
        Assert.False(ImageDimensions.TryRead("not an image"u8, out _, out _));
    }
}

/// <summary>Minimal image headers for tests.</summary>
internal static class TestImages
{
    public static byte[] Png(int width, int height)
    {
        var bytes = new byte[33];
        new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(bytes, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), height);
        return bytes;
    }

    public static byte[] Gif(int width, int height) =>
        [.. "GIF89a"u8, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0, 0, 0];

    public static byte[] Jpeg(int width, int height) =>
    [
        0xFF, 0xD8,
        0xFF, 0xE0, 0x00, 0x06, (byte)'J', (byte)'F', (byte)'I', (byte)'F', // APP0 (length 6, skipped)
        0xFF, 0xC0, 0x00, 0x0B, 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x01, 0x01, 0x11, 0x00,
    ];

    public static byte[] WebPExtended(int width, int height)
    {
        var bytes = new byte[30];
        "RIFF"u8.CopyTo(bytes);
        "WEBPVP8X"u8.CopyTo(bytes.AsSpan(8));
        bytes[24] = (byte)(width - 1);
        bytes[25] = (byte)((width - 1) >> 8);
        bytes[26] = (byte)((width - 1) >> 16);
        bytes[27] = (byte)(height - 1);
        bytes[28] = (byte)((height - 1) >> 8);
        bytes[29] = (byte)((height - 1) >> 16);
        return bytes;
    }

    public static string DataUrl(byte[] bytes, string mediaType = "image/png") => $"data:{mediaType};base64,{Convert.ToBase64String(bytes)}";
}
