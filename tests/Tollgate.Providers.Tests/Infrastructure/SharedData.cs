namespace Tollgate.Providers.Tests.Infrastructure;

/// <summary>Finds the shared data folder by walking up from the test's base directory (like CI, where shared/ sits beside the clone).</summary>
public static class SharedData
{
    public static string Path(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate))
            {
                var full = System.IO.Path.Combine([candidate, .. parts]);
                Assert.True(File.Exists(full) || Directory.Exists(full), $"shared data file missing: {full}");
                return full;
            }
        }

        Assert.Fail($"no shared/data folder above {AppContext.BaseDirectory}: the genai-prices data must sit in ../shared/data beside the repository");
        return "";
    }
}
