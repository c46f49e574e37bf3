using System.Data.Common;
using System.Globalization;

namespace Tollgate.Audit.Relational;

/// <summary>The audit log in a SQL table <c>tollgate_audit</c> (SQLite and PostgreSQL share the statements).</summary>
public abstract class RelationalAuditLog : IAuditLog
{
    /// <summary>Opens a connection (pooled by the driver).</summary>
    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>DDL creating the table and its index when missing (run on every start: adds the table to an older store).</summary>
    protected abstract string SchemaSql { get; }

    /// <summary>Creates the table when missing (idempotent).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SchemaSql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<AuditEntry> RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO tollgate_audit (at_ms, actor, action, target, before_json, after_json) VALUES (@at, @actor, @action, @target, @before, @after) RETURNING id";
        Add(command, "at", entry.At.ToUnixTimeMilliseconds());
        Add(command, "actor", entry.Actor);
        Add(command, "action", entry.Action);
        Add(command, "target", entry.Target);
        Add(command, "before", (object?)entry.Before ?? DBNull.Value);
        Add(command, "after", (object?)entry.After ?? DBNull.Value);
        var id = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        return entry with { Id = id, At = DateTimeOffset.FromUnixTimeMilliseconds(entry.At.ToUnixTimeMilliseconds()) };
    }

    public async ValueTask<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, at_ms, actor, action, target, before_json, after_json FROM tollgate_audit WHERE at_ms >= @from AND at_ms < @to ORDER BY at_ms DESC, id DESC LIMIT @limit";
        Add(command, "from", query.From?.ToUnixTimeMilliseconds() ?? long.MinValue);
        Add(command, "to", query.To?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        Add(command, "limit", Math.Clamp(query.Limit, 1, AuditQuery.MaxLimit));
        var result = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new AuditEntry
            {
                Id = reader.GetInt64(0),
                At = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                Actor = reader.GetString(2),
                Action = reader.GetString(3),
                Target = reader.GetString(4),
                Before = reader.IsDBNull(5) ? null : reader.GetString(5),
                After = reader.IsDBNull(6) ? null : reader.GetString(6),
            });
        }

        return result;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
