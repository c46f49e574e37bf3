using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace Tollgate.Gateway.Dashboard;

/// <summary>
/// The dashboard's files, embedded in this assembly (so the dotnet tool and the container carry them, and nothing is
/// fetched from the internet): each with its content type, an ETag, and a gzip copy made once at start.
/// </summary>
internal sealed class DashboardAssets
{
    private const string Prefix = "Tollgate.Gateway.Dashboard.";

    private readonly Dictionary<string, DashboardAsset> _files;

    private DashboardAssets(Dictionary<string, DashboardAsset> files) => _files = files;

    public static DashboardAssets Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..];
            files[name] = Read(assembly, resource, name);
        }

        return new DashboardAssets(files);
    }

    public DashboardAsset? Find(string name) => _files.GetValueOrDefault(name);

    private static DashboardAsset Read(Assembly assembly, string resource, string name)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var bytes = memory.ToArray();
        using var zipped = new MemoryStream();
        using (var gzip = new GZipStream(zipped, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        var type = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return new DashboardAsset(bytes, zipped.ToArray(), type, "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..20] + "\"");
    }
}

/// <summary>One embedded dashboard file.</summary>
internal sealed record DashboardAsset(byte[] Bytes, byte[] Gzipped, string ContentType, string ETag);
