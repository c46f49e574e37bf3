namespace Tollgate.PostgreSql.Ledger;

/// <summary>Settings of <see cref="PostgreSqlLedgerStore"/>.</summary>
public sealed class PostgreSqlLedgerOptions
{
    /// <summary>Npgsql connection string; tables go into the first schema of its search path (default <c>public</c>).</summary>
    public string ConnectionString { get; set; } = "";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("PostgreSQL ledger needs a connection string", nameof(ConnectionString));
        }
    }
}
