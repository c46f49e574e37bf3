namespace Tollgate.Tests;

/// <summary>Locates the shared data folder (<c>shared/data</c>, beside the repository) by walking up from the test's base directory.</summary>
internal static class SharedData
{
    /// <summary>A file or folder under <c>shared/data</c>; fails the test when it is missing.</summary>
    public static string Path(params string[] parts)
    {
        var full = System.IO.Path.Combine([Root(), .. parts]);
        Assert.True(File.Exists(full) || System.IO.Directory.Exists(full), $"Shared data file {full} is missing.");
        return full;
    }

    /// <summary>A folder under <c>shared/data</c>; fails the test when it is missing.</summary>
    public static string Directory(string subfolder)
    {
        var full = System.IO.Path.Combine(Root(), subfolder);
        Assert.True(System.IO.Directory.Exists(full), $"Shared data folder {full} is missing.");
        return full;
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"No shared/data folder found above {AppContext.BaseDirectory}; these tests need ../shared/data beside the repository.");
        return string.Empty;
    }
}
