using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Tollgate.Tests.Architecture;

/// <summary>docs/architecture.md's layer table is the project graph as built.</summary>
public sealed partial class ArchitectureTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void LayerTable_EveryProjectReference_PointsToItsOwnLayerOrALowerOne()
    {
        var layers = Layers();
        var projects = Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetFileNameWithoutExtension(p), StringComparer.Ordinal);

        Assert.Equal(projects.Keys.Order(StringComparer.Ordinal), layers.Keys.Order(StringComparer.Ordinal));
        var upward = new List<string>();
        foreach (var (name, path) in projects)
        {
            foreach (var reference in XDocument.Load(path).Descendants("ProjectReference"))
            {
                var target = Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/'));
                if (layers[target] < layers[name])
                {
                    upward.Add($"{name} ({layers[name]}) → {target} ({layers[target]})");
                }
            }
        }

        Assert.Empty(upward);
    }

    [Theory]
    [InlineData("Tollgate")]
    [InlineData("Tollgate.Extensions.AI")]
    public void RestoredPackages_CoreAndMiddleware_HaveNoDatabaseDriver(string project)
    {
        var assets = Path.Combine(Root, "src", project, "obj", "project.assets.json");
        using var document = JsonDocument.Parse(File.ReadAllText(assets));
        var libraries = document.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();

        Assert.Contains("Microsoft.Extensions.Options", libraries);
        Assert.DoesNotContain(libraries, l => l is "Npgsql" or "Microsoft.Data.Sqlite" or "Microsoft.Data.Sqlite.Core" or "StackExchange.Redis"
            || l.StartsWith("SQLitePCLRaw", StringComparison.Ordinal));
    }

    /// <summary>Each project named in the layer table, with its row (0 = the top layer, Hosts).</summary>
    private static Dictionary<string, int> Layers()
    {
        var text = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));
        var table = text[text.IndexOf("## Layers", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n\n", table.IndexOf("|---", StringComparison.Ordinal), StringComparison.Ordinal)];
        var rows = table.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1).ToList();
        var layers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            // The projects are the backticked names in the "what lives there" column.
            var what = rows[i].Split('|')[2];
            foreach (Match match in ProjectName().Matches(what))
            {
                layers[match.Groups[1].Value] = i;
            }
        }

        return layers;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tollgate.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Tollgate.slnx above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"`(Tollgate(?:\.[A-Za-z]+)*)`")]
    private static partial Regex ProjectName();
}
