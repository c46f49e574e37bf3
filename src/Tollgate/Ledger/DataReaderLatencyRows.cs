using System.Data.Common;

namespace Tollgate.Ledger;

/// <summary>The rows of a latency query through a <see cref="DbDataReader"/>, histograms decoded by the store's own encoding.</summary>
internal sealed class DataReaderLatencyRows(DbDataReader reader, Func<DbDataReader, int, LatencyHistogram>? histogram = null, DbCommand? command = null) : ILatencyRows
{
    /// <summary>Runs <paramref name="command"/>; the rows own it and dispose of it with its reader.</summary>
    public static async ValueTask<ILatencyRows> OpenAsync(DbCommand command, Func<DbDataReader, int, LatencyHistogram> histogram, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            return new DataReaderLatencyRows(await command.ExecuteReaderAsync(cancellationToken), histogram, command);
        }
        catch
        {
            await command.DisposeAsync();
            throw;
        }
    }

    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken) => new(reader.ReadAsync(cancellationToken));

    public long GetInt64(int column) => reader.GetInt64(column);

    public string GetString(int column) => reader.GetString(column);

    public LatencyHistogram GetHistogram(int column, bool negated) =>
        histogram is null ? throw new InvalidOperationException("these rows hold no histogram")
        : negated ? histogram(reader, column).Negated() : histogram(reader, column);

    public async ValueTask DisposeAsync()
    {
        await reader.DisposeAsync();
        if (command is not null)
        {
            await command.DisposeAsync();
        }
    }
}
