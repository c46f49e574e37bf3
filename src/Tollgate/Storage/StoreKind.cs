namespace Tollgate.Storage;

/// <summary>Which engine holds Tollgate's durable state.</summary>
public enum StoreKind
{
    /// <summary>Process memory: tests and throwaway runs; nothing survives the process.</summary>
    InMemory,

    /// <summary>An embedded SQLite file (the default: <c>./data/tollgate.db</c>).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database shared by several gateway instances.</summary>
    PostgreSql,
}
