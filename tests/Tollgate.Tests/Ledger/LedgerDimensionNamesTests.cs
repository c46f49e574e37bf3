using Tollgate.Ledger;
using Xunit;

namespace Tollgate.Tests.Ledger;

public sealed class LedgerDimensionNamesTests
{
    [Fact]
    public void TryParse_EveryDimensionsName_ReturnsThatDimension()
    {
        var dimensions = Enum.GetValues<LedgerDimension>();
        Assert.Equal(dimensions.Length, LedgerDimensionNames.All.Count);
        foreach (var dimension in dimensions)
        {
            var name = LedgerDimensionNames.Name(dimension);
            Assert.Contains(name, LedgerDimensionNames.All);
            Assert.True(LedgerDimensionNames.TryParse(" " + name.ToUpperInvariant() + " ", out var parsed));
            Assert.Equal(dimension, parsed);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("apiflavor")]
    [InlineData("tag:feature")]
    public void TryParse_UnknownName_ReturnsFalse(string? name) => Assert.False(LedgerDimensionNames.TryParse(name, out _));
}
