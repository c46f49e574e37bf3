namespace Tollgate.Tokens;

/// <summary>
/// Input tokens of an image, by the providers' published formulas.
/// <para><b>OpenAI, tile models</b> (gpt-4o, gpt-4.1, gpt-4.5, gpt-4-turbo, gpt-5, o1, o3, …): detail <c>low</c> costs
/// the base tokens; <c>high</c>/<c>auto</c>: scale to fit 2048×2048, then scale so the shortest side is 768 (only
/// down), then base + per-tile × number of 512-px tiles. Base/tile: 85/170 by default; gpt-4o-mini 2833/5667;
/// o1, o1-pro, o3 75/150; gpt-5 (and gpt-5-chat) 70/140; computer-use-preview 65/129.</para>
/// <para><b>OpenAI, patch models</b> (gpt-4.1-mini ×1.62, gpt-4.1-nano ×2.46, o4-mini ×1.72, gpt-5-mini ×1.62,
/// gpt-5-nano ×2.46): 32-px patches, at most 1536 (larger images are scaled down to fit), times the multiplier,
/// rounded up; detail does not apply.</para>
/// <para><b>Anthropic</b>: scale down to a long edge of at most 1568 px and at most 1.2 megapixels (≈1600 tokens),
/// then ⌈width × height / 750⌉.</para>
/// <para><b>Gemini</b>: 258 tokens when both sides are at most 384 px, otherwise 258 per 768-px tile.</para>
/// When the size is unknown (a remote URL), the largest count the formula can give is used and flagged an estimate.
/// </summary>
public static class ImageTokens
{
    private const double Epsilon = 1e-9;

    /// <summary>Tokens of a <paramref name="width"/>×<paramref name="height"/> image sent to <paramref name="model"/>.</summary>
    public static TokenCount ForModel(string model, int width, int height, ImageDetail detail = ImageDetail.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return Rule(model) switch
        {
            { Kind: RuleKind.Tile } r => TokenCount.Exact(OpenAiTiles(width, height, detail, r.Base, r.PerTile)),
            { Kind: RuleKind.Patch } r => TokenCount.Exact(OpenAiPatches(width, height, r.Multiplier)),
            { Kind: RuleKind.Anthropic } => TokenCount.Estimated(Anthropic(width, height)),
            { Kind: RuleKind.Gemini } => TokenCount.Estimated(Gemini(width, height)),
            _ => TokenCount.Estimated(OpenAiTiles(width, height, detail, 85, 170)),
        };
    }

    /// <summary>The most tokens one image of unknown size can cost on <paramref name="model"/> (always an estimate).</summary>
    public static TokenCount WorstCaseForModel(string model, ImageDetail detail = ImageDetail.Auto) => Rule(model) switch
    {
        { Kind: RuleKind.Tile } r => TokenCount.Estimated(detail == ImageDetail.Low ? r.Base : r.Base + (8 * r.PerTile)),
        { Kind: RuleKind.Patch } r => TokenCount.Estimated((long)Math.Ceiling(1536 * r.Multiplier - Epsilon)),
        { Kind: RuleKind.Anthropic } => TokenCount.Estimated(1600),
        { Kind: RuleKind.Gemini } => TokenCount.Estimated(258 * 4),
        _ => TokenCount.Estimated(85 + (8 * 170)),
    };

    /// <summary>OpenAI's tile formula with the given base and per-tile tokens.</summary>
    public static long OpenAiTiles(int width, int height, ImageDetail detail, int baseTokens = 85, int tileTokens = 170)
    {
        if (detail == ImageDetail.Low)
        {
            return baseTokens;
        }

        double w = width, h = height;
        if (w > 2048 || h > 2048)
        {
            var scale = 2048 / Math.Max(w, h);
            w *= scale;
            h *= scale;
        }

        if (Math.Min(w, h) > 768)
        {
            var scale = 768 / Math.Min(w, h);
            w *= scale;
            h *= scale;
        }

        var tiles = CeilDiv(w, 512) * CeilDiv(h, 512);
        return baseTokens + (tileTokens * tiles);
    }

    /// <summary>OpenAI's 32-px patch formula (at most 1536 patches) times <paramref name="multiplier"/>, rounded up.</summary>
    public static long OpenAiPatches(int width, int height, double multiplier)
    {
        double w = width, h = height;
        var patches = CeilDiv(w, 32) * CeilDiv(h, 32);
        if (patches > 1536)
        {
            var shrink = Math.Sqrt(32.0 * 32 * 1536 / (w * h));
            var fitW = w * shrink / 32;
            var fitH = h * shrink / 32;
            shrink *= Math.Min(Math.Floor(fitW + Epsilon) / fitW, Math.Floor(fitH + Epsilon) / fitH);
            patches = Math.Min(1536, CeilDiv(w * shrink, 32) * CeilDiv(h * shrink, 32));
        }

        return (long)Math.Ceiling((patches * multiplier) - Epsilon);
    }

    /// <summary>Anthropic: ⌈w × h / 750⌉ after scaling down to a 1568-px long edge and 1.2 megapixels.</summary>
    public static long Anthropic(int width, int height)
    {
        double w = width, h = height;
        if (Math.Max(w, h) > 1568)
        {
            var scale = 1568 / Math.Max(w, h);
            w = Math.Floor(w * scale);
            h = Math.Floor(h * scale);
        }

        if (w * h > 1_200_000)
        {
            var scale = Math.Sqrt(1_200_000 / (w * h));
            w = Math.Floor(w * scale);
            h = Math.Floor(h * scale);
        }

        return (long)Math.Ceiling((w * h / 750) - Epsilon);
    }

    /// <summary>Gemini: 258 tokens for an image up to 384×384, otherwise 258 per 768×768 tile.</summary>
    public static long Gemini(int width, int height) =>
        width <= 384 && height <= 384 ? 258 : 258L * CeilDiv(width, 768) * CeilDiv(height, 768);

    private static long CeilDiv(double value, double size) => (long)Math.Ceiling((value / size) - Epsilon);

    private static ImageRule Rule(string model)
    {
        var name = ModelNames.Normalize(model, out var provider);
        if (ModelNames.MatchesAny(name, "claude") || provider == "anthropic")
        {
            return new ImageRule(RuleKind.Anthropic);
        }

        if (ModelNames.MatchesAny(name, "gemini", "gemma") || provider is "google" or "gemini" or "vertex_ai")
        {
            return new ImageRule(RuleKind.Gemini);
        }

        // Most specific family first.
        if (ModelNames.MatchesAny(name, "gpt-4o-mini"))
        {
            return new ImageRule(RuleKind.Tile, 2833, 5667);
        }

        if (ModelNames.MatchesAny(name, "gpt-4.1-mini", "gpt-5-mini"))
        {
            return new ImageRule(RuleKind.Patch, Multiplier: 1.62);
        }

        if (ModelNames.MatchesAny(name, "gpt-4.1-nano", "gpt-5-nano"))
        {
            return new ImageRule(RuleKind.Patch, Multiplier: 2.46);
        }

        if (ModelNames.MatchesAny(name, "o4-mini"))
        {
            return new ImageRule(RuleKind.Patch, Multiplier: 1.72);
        }

        if (ModelNames.MatchesAny(name, "o1", "o1-pro", "o3"))
        {
            return new ImageRule(RuleKind.Tile, 75, 150);
        }

        if (ModelNames.MatchesAny(name, "computer-use-preview"))
        {
            return new ImageRule(RuleKind.Tile, 65, 129);
        }

        if (ModelNames.MatchesAny(name, "gpt-5"))
        {
            return new ImageRule(RuleKind.Tile, 70, 140);
        }

        if (ModelNames.MatchesAny(name, "gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-4-turbo", "gpt-4-vision-preview"))
        {
            return new ImageRule(RuleKind.Tile, 85, 170);
        }

        return new ImageRule(RuleKind.Unknown);
    }

    private enum RuleKind
    {
        Unknown,
        Tile,
        Patch,
        Anthropic,
        Gemini,
    }

    private readonly record struct ImageRule(RuleKind Kind, int Base = 0, int PerTile = 0, double Multiplier = 1);
}
