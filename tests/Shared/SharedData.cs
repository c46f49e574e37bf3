namespace Tollgate.Testing;

/// <summary>
/// Locates the shared data folder (<c>shared/data</c>): <c>TOLLGATE_SHARED_DATA</c> when set (scripts/test.sh sets
/// it), otherwise the first <c>shared/data</c> found walking up from the test's base directory. A test that needs
/// it fails with a message when it is missing; it never skips.
/// </summary>
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
        if (Environment.GetEnvironmentVariable("TOLLGATE_SHARED_DATA") is { Length: > 0 } configured)
        {
            Assert.True(System.IO.Directory.Exists(configured), $"TOLLGATE_SHARED_DATA={configured} is not a folder.");
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"No shared/data folder found above {AppContext.BaseDirectory}; these tests need ../shared/data beside the repository (or TOLLGATE_SHARED_DATA).");
        return string.Empty;
    }
}
