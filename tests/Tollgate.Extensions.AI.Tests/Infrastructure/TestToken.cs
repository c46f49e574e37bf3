global using static Tollgate.Extensions.AI.Tests.Infrastructure.TestToken;

namespace Tollgate.Extensions.AI.Tests.Infrastructure;

internal static class TestToken
{
    /// <summary>The running test's cancellation token (xUnit cancels it when the run is aborted).</summary>
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
