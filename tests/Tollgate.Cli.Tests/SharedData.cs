namespace Tollgate.Cli.Tests;

/// <summary>Locates the shared data folder (<c>shared/data</c>) by walking up from the test's base directory.</summary>
internal static class SharedData
{
    public static string Path(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate))
            {
                var full = System.IO.Path.Combine([candidate, .. parts]);
                Assert.True(File.Exists(full) || Directory.Exists(full), $"Shared data file {full} is missing.");
                return full;
            }
        }

        Assert.Fail($"No shared/data folder found above {AppContext.BaseDirectory}; these tests need ../shared/data beside the repository.");
        return string.Empty;
    }
}
