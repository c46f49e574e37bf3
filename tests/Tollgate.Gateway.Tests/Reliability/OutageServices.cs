using System.Diagnostics;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// The PostgreSQL and Redis that store-outage tests may stop and start (scripts/test.sh starts them beside the pair every
/// other test uses, and says how to stop and start each). Missing means FAIL, never skip.
/// </summary>
internal static class OutageServices
{
    public static string Postgres => Variable("TOLLGATE_TEST_OUTAGE_POSTGRES");

    public static string Redis => Variable("TOLLGATE_TEST_OUTAGE_REDIS");

    public static Task StopPostgresAsync() => RunAsync("TOLLGATE_TEST_OUTAGE_PG_STOP");

    public static Task StartPostgresAsync() => RunAsync("TOLLGATE_TEST_OUTAGE_PG_START");

    public static Task StopRedisAsync() => RunAsync("TOLLGATE_TEST_OUTAGE_REDIS_STOP");

    public static Task StartRedisAsync() => RunAsync("TOLLGATE_TEST_OUTAGE_REDIS_START");

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests through scripts/test.sh, which starts a PostgreSQL and a Redis the outage tests may stop");

    private static async Task RunAsync(string variable)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", Variable(variable)]) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"{variable} failed ({process.ExitCode}): {error}");
    }
}
