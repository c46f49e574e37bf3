namespace Tollgate.Cli.Commands;

/// <summary>What a command does with the store named by <c>--store</c>: reading one that does not exist is an error.</summary>
internal enum StoreAccess
{
    /// <summary>Reports on existing state: a SQLite store that does not exist is an error, and none is created.</summary>
    Read,

    /// <summary>Writes state: the store is created when missing.</summary>
    Write,
}
