using System.CommandLine;
using Tollgate.Storage;

namespace Tollgate.Cli;

/// <summary>Options shared by every command that reads or writes Tollgate's state, so they mean the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string?> Store() => new("--store")
    {
        Description = "Where state lives: sqlite:PATH (default sqlite:data/tollgate.db), postgres://user:pass@host:port/db, or memory.",
    };

    public static Option<FileInfo?> Config() => new("--config")
    {
        Description = "Configuration file (the same tollgate.json that 'tollgate serve' reads).",
    };

    /// <summary>Parses the <c>--store</c> value or throws a <see cref="CliException"/> that says what to fix.</summary>
    public static StoreLocation ParseStore(string? value) =>
        StoreLocation.TryParse(value, out var location, out var error) ? location : throw new CliException(error!);
}
