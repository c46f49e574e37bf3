using System.CommandLine;
using Tollgate.TimeSeries;

namespace Tollgate.Cli.Commands;

/// <summary>Reads the <c>--input</c> CSV of the generic series modes (<c>forecast --input</c>, <c>anomalies score</c>).</summary>
internal static class SeriesInput
{
    public static Option<FileInfo?> Create() => new("--input", "-i")
    {
        Description = "A CSV 'timestamp,value' with one row per time step ('-' reads standard input).",
    };

    public static async Task<TimeSeriesData> ReadAsync(FileInfo file, CliConsole console, CancellationToken cancellationToken)
    {
        var name = file.ToString();
        string text;
        try
        {
            text = name == "-" ? await console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(file.FullName, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read '{name}': {ex.Message}");
        }

        using var reader = new StringReader(text);
        var result = TimeSeriesCsv.Read(reader);
        return result.Series ?? throw new CliException($"'{name}': {result.Error}");
    }
}
