using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tollgate.Gateway.Tests.Reliability;

/// <summary>
/// The bad-input corpus (<c>bad-input-corpus.json</c>) expanded into requests: each door's field mutations spliced into
/// its valid base body, the raw bodies sent to every door and admin endpoint, and generated cases too big for a file
/// (a 900k-token prompt, a body over the size limit, nesting beyond the reader's depth).
/// </summary>
internal static class BadInputCorpus
{
    public const string Absent = "<absent>";

    public static readonly string[] Doors = ["/v1/chat/completions", "/v1/responses", "/v1/embeddings", "/v1/messages", "/v1/messages/count_tokens"];

    public static readonly string[] AdminPosts = ["/admin/budgets", "/admin/keys", "/admin/providers/openai/prefer"];

    /// <summary>One request of the corpus and what must come back.</summary>
    public sealed record Case(string Name, string Path, string? ContentType, byte[] Body, int Status, string? Mentions)
    {
        public bool AnthropicShape => Path.StartsWith("/v1/messages", StringComparison.Ordinal);

        public override string ToString() => Name;
    }

    public static JsonDocument Load() => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reliability", "bad-input-corpus.json")));

    /// <summary>The valid base body of a door or admin endpoint.</summary>
    public static string BaseBody(string path)
    {
        using var corpus = Load();
        var section = path.StartsWith("/admin", StringComparison.Ordinal) ? "admin" : "doors";
        return corpus.RootElement.GetProperty(section).GetProperty(path).GetProperty("base").GetRawText();
    }

    public static List<Case> All(long maxBodyBytes)
    {
        using var corpus = Load();
        var root = corpus.RootElement;
        var cases = new List<Case>();
        foreach (var section in new[] { "doors", "admin" })
        {
            foreach (var door in root.GetProperty(section).EnumerateObject())
            {
                var baseBody = door.Value.GetProperty("base");
                foreach (var field in door.Value.GetProperty("fields").EnumerateObject())
                {
                    foreach (var value in field.Value.EnumerateArray())
                    {
                        var raw = value.GetString()!;
                        cases.Add(new Case($"{door.Name} {field.Name}={raw}", door.Name, null, Splice(baseBody, field.Name, raw), 400, field.Name));
                    }
                }
            }
        }

        foreach (var (list, paths) in new[] { ("rawEveryDoor", Doors), ("rawEveryAdminPost", AdminPosts) })
        {
            foreach (var raw in root.GetProperty(list).EnumerateArray())
            {
                var body = raw.TryGetProperty("bodyBase64", out var b64) ? Convert.FromBase64String(b64.GetString()!) : Encoding.UTF8.GetBytes(raw.GetProperty("body").GetString()!);
                var contentType = raw.TryGetProperty("contentType", out var ct) ? ct.GetString() : null;
                var only = raw.TryGetProperty("doors", out var doors) ? doors.EnumerateArray().Select(d => d.GetString()!).ToHashSet() : null;
                foreach (var path in paths.Where(p => only is null || only.Contains(p)))
                {
                    cases.Add(new Case($"{path} [{contentType ?? "application/json"}] {Encoding.UTF8.GetString(body)[..Math.Min(60, body.Length)]}", path, contentType, body, raw.GetProperty("status").GetInt32(), null));
                }
            }
        }

        // Generated: a prompt of ~900k tokens (beyond every context window served here), a body over the size limit,
        // nesting deeper than the reader accepts.
        var huge = string.Concat(Enumerable.Repeat("lorem ", 900_000));
        foreach (var path in new[] { "/v1/chat/completions", "/v1/messages" })
        {
            cases.Add(new Case($"{path} 900k-token prompt", path, null, Splice(BaseOf(root, path), "messages", JsonSerializer.Serialize(new[] { new { role = "user", content = huge } })), 400, null));
        }

        cases.Add(new Case("/v1/responses 900k-token prompt", "/v1/responses", null, Splice(BaseOf(root, "/v1/responses"), "input", JsonSerializer.Serialize(huge)), 400, null));
        cases.Add(new Case("/v1/embeddings 900k-token input", "/v1/embeddings", null, Splice(BaseOf(root, "/v1/embeddings"), "input", JsonSerializer.Serialize(huge)), 400, null));
        var oversized = Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o-mini\",\"pad\":\"" + new string('x', (int)maxBodyBytes) + "\"}");
        foreach (var path in Doors)
        {
            cases.Add(new Case($"{path} body over the size limit", path, null, oversized, 413, null));
            cases.Add(new Case($"{path} nesting 300 deep", path, null, Splice(BaseOf(root, path), "metadata", new string('[', 300) + new string(']', 300)), 400, null));
        }

        return cases;
    }

    private static JsonElement BaseOf(JsonElement root, string path) => root.GetProperty("doors").GetProperty(path).GetProperty("base");

    /// <summary>The base body with <paramref name="field"/> set to the raw JSON text <paramref name="raw"/> (spliced verbatim, so invalid escapes survive) or removed.</summary>
    public static byte[] Splice(JsonElement baseBody, string field, string raw)
    {
        var rest = JsonNode.Parse(baseBody.GetRawText())!.AsObject();
        rest.Remove(field);
        var others = rest.ToJsonString();
        var inner = others[1..^1];
        var text = raw == Absent ? others : "{" + JsonSerializer.Serialize(field) + ":" + raw + (inner.Length > 0 ? "," + inner : "") + "}";
        return Encoding.UTF8.GetBytes(text);
    }
}
