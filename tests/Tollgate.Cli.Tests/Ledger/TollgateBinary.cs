namespace Tollgate.Cli.Tests.Ledger;

/// <summary>The real built <c>tollgate</c> app host next to the CLI project's output (same configuration as the tests).</summary>
internal static class TollgateBinary
{
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        var baseDir = AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar);
        var framework = System.IO.Path.GetFileName(baseDir);
        var configuration = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(baseDir)!);
        for (var dir = new DirectoryInfo(baseDir); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "src", "Tollgate.Cli", "bin", configuration, framework, "tollgate");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"the tollgate binary was not found under src/Tollgate.Cli/bin/{configuration}/{framework}: build src/Tollgate.Cli first");
    }
}
