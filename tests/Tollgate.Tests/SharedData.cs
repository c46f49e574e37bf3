namespace Tollgate.Tests;

/// <summary>Finds the shared test data folder (<c>shared/data</c>) by walking up from the test's base directory.</summary>
internal static class SharedData
{
    public static string Directory(string subfolder)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", subfolder);
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"shared/data/{subfolder} was not found above {AppContext.BaseDirectory}; the token corpus must sit beside the repository (../shared).");
    }
}
