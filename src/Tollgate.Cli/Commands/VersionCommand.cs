using System.CommandLine;
using System.Reflection;

namespace Tollgate.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("version", "Print Tollgate's version.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            console.Out.WriteLine($"tollgate {version}");
            return 0;
        });
        return command;
    }
}
