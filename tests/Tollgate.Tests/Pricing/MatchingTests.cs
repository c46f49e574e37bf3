using Tollgate.Pricing;

namespace Tollgate.Tests.Pricing;

public sealed class MatchingTests
{
    private static PriceCatalog Catalog => TestCatalog.Catalog;

    [Fact]
    public void Resolve_SeveralModelsMatch_FirstInCatalogOrderWins()
    {
        // "shared-model" matches both first-broad (contains) and second-exact (equals): catalog order decides.
        Assert.Equal("first-broad", Catalog.Resolve("acme", "shared-model").Model!.Id);
    }

    [Theory]
    [InlineData("TEXT")]
    [InlineData("Text")]
    public void Resolve_CaseInsensitive(string reference) => Assert.Equal("text", Catalog.Resolve("acme", reference).Model!.Id);

    [Fact]
    public void Resolve_UpperCaseCatalogPattern_MatchesLowerCasedReference() =>
        Assert.Equal("Mixed-Case", Catalog.Resolve("acme", "MIXED-case").Model!.Id);

    [Theory]
    [InlineData("rx-12-fast", true)]
    [InlineData("rx-912", true)]
    [InlineData("rx-12", false)]     // the and needs one of the or branches
    [InlineData("xrx-12-fast", false)] // anchored regex
    [InlineData("text-extra", false)]  // equals is not a prefix match: never looser than the rules
    public void Resolve_NestedAndOrRegex(string reference, bool found) =>
        Assert.Equal(found, Catalog.Resolve("acme", reference).Found);

    [Fact]
    public void Resolve_NotOwnModel_FallbackProvider()
    {
        var lookup = Catalog.Resolve("acme", "origin-large");

        Assert.True(lookup.Found);
        Assert.Equal("origin-model", lookup.Model!.Id);
        Assert.Equal("origin", lookup.ModelProviderId);
        Assert.Equal("acme", lookup.Provider!.Id);
    }

    [Fact]
    public void Resolve_FallbackIsOneLevelDeep()
    {
        // origin falls back to third, but acme's fallback does not follow origin's.
        Assert.True(Catalog.Resolve("origin", "third-model").Found);
        Assert.False(Catalog.Resolve("acme", "third-model").Found);
    }

    [Fact]
    public void FindProvider_ExactIdThenProviderMatch()
    {
        Assert.Equal("origin", Catalog.FindProvider(" Origin ")!.Id);
        Assert.Equal("acme", Catalog.FindProvider("my-ACME-cloud")!.Id);
        Assert.Null(Catalog.FindProvider("unknown"));
    }

    [Fact]
    public void Resolve_BuiltInProviderMatchAndFallback()
    {
        var builtIn = PriceCatalog.BuiltIn;

        Assert.Equal("aws", builtIn.FindProvider("amazon-bedrock")!.Id);
        var azureClaude = builtIn.Resolve("azure", "claude-sonnet-4-5");
        Assert.True(azureClaude.Found);
        Assert.Equal("anthropic", azureClaude.ModelProviderId);
    }

    [Fact]
    public void Resolve_Unknown_HintsClosestIds()
    {
        var lookup = Catalog.Resolve("acme", "multimodel");

        Assert.False(lookup.Found);
        Assert.Equal("multimodal", lookup.Hints[0]);
        Assert.Contains("multimodal", lookup.Reason);
    }

    [Fact]
    public void Parse_BadClause_SaysWhere()
    {
        var ex = Assert.Throws<FormatException>(() => PriceCatalog.Parse("""[{"id": "p", "models": [{"id": "m", "match": {"sounds_like": "x"}, "prices": {}}]}]""", "file.json"));

        Assert.Contains("file.json", ex.Message);
        Assert.Contains("sounds_like", ex.Message);
    }

    [Fact]
    public void Parse_UnknownPriceKey_IgnoredAndReported()
    {
        var catalog = PriceCatalog.Parse("""[{"id": "p", "models": [{"id": "m", "match": {"equals": "m"}, "prices": {"input_mtok": 1, "teleport_kcount": 9}}]}]""", "x");

        var price = catalog.Resolve("p", "m").PriceAt(DateTimeOffset.UnixEpoch)!;
        Assert.Equal(["teleport_kcount"], price.IgnoredPriceKeys);
    }

    [Fact]
    public void BuiltIn_LoadsEveryProvider()
    {
        Assert.Equal(36, PriceCatalog.BuiltIn.Providers.Count);
        Assert.Equal(1466, PriceCatalog.BuiltIn.Providers.Sum(p => p.Models.Count));
    }
}
