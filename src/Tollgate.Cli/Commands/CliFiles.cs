using System.Text;

namespace Tollgate.Cli.Commands;

/// <summary>Writing a command's output file whole or not at all: into <c>FILE.partial</c>, renamed over FILE at the end.</summary>
internal static class CliFiles
{
    /// <summary>Runs <paramref name="write"/> on a UTF-8 writer of a temporary file beside <paramref name="path"/>, then renames it; on failure nothing is left.</summary>
    public static async Task<T> WriteAtomicallyAsync<T>(string path, Func<StreamWriter, Task<T>> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            throw new CliException($"directory '{directory}' does not exist");
        }

        var temporary = full + ".partial";
        try
        {
            T result;
            await using (var writer = new StreamWriter(temporary, false, new UTF8Encoding(false), 1 << 16))
            {
                result = await write(writer);
            }

            File.Move(temporary, full, overwrite: true);
            return result;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public static Task WriteAtomicallyAsync(string path, string text, CancellationToken cancellationToken) =>
        WriteAtomicallyAsync(path, async writer =>
        {
            await writer.WriteAsync(text.AsMemory(), cancellationToken);
            return true;
        });
}
