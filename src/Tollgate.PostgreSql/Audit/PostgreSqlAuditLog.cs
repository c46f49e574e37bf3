using System.Data.Common;
using Npgsql;
using Tollgate.Audit.Relational;

namespace Tollgate.PostgreSql.Audit;

/// <summary>The audit log in PostgreSQL (table <c>tollgate_audit</c>), shared by every gateway instance and the CLI.</summary>
public sealed class PostgreSqlAuditLog(NpgsqlDataSource dataSource) : RelationalAuditLog
{
    protected override string SchemaSql => """
        CREATE TABLE IF NOT EXISTS tollgate_audit (
            id BIGSERIAL PRIMARY KEY,
            at_ms BIGINT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            before_json TEXT,
            after_json TEXT);
        CREATE INDEX IF NOT EXISTS ix_tollgate_audit_at ON tollgate_audit (at_ms);
        """;

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);
}
