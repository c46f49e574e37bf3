using Tollgate.Metering.Fingerprints;
using Tollgate.Tokens;

namespace Tollgate.Tests.Metering;

/// <summary>The canonical request: what makes two requests the same, where the prefix ends, and its token count.</summary>
public sealed class CanonicalRequestTests
{
    private static readonly ModelTokenizer Tokenizer = TokenizerRegistry.ForEncoding(TiktokenEncoding.O200kBase);

    private static RequestFingerprint Build(string model, (string Role, string Text, bool Breakpoint)[] messages, (string, string)[]? parameters = null, bool withPrefix = true)
    {
        var canon = CanonicalRequest.Begin(model);
        foreach (var (role, text, breakpoint) in messages)
        {
            canon.BeginSection();
            canon.Text(text);
            if (breakpoint)
            {
                canon.MarkBreakpoint();
            }

            canon.EndMessage(role);
        }

        foreach (var (name, value) in parameters ?? [])
        {
            canon.Parameter(name, value);
        }

        return canon.Finish(Tokenizer, withPrefix);
    }

    [Fact]
    public void Finish_SameRequestParametersInAnotherOrder_SameFingerprints()
    {
        var a = Build("gpt-4o", [("system", "Be brief.", false), ("user", "Hi", false)], [("temperature", "0.7"), ("max_output_tokens", "100")]);
        var b = Build("gpt-4o", [("system", "Be brief.", false), ("user", "Hi", false)], [("max_output_tokens", "100"), ("temperature", "0.7")]);

        Assert.Equal(a, b);
        Assert.Matches("^[0-9a-f]{32}$", a.Request);
    }

    [Theory]
    [InlineData("gpt-4o-mini", "Hi", "0.7")]
    [InlineData("gpt-4o", "Hi!", "0.7")]
    [InlineData("gpt-4o", "Hi", "0.8")]
    public void Finish_ModelLastTurnOrParameterDiffers_AnotherRequest(string model, string turn, string temperature)
    {
        var baseline = Build("gpt-4o", [("system", "Be brief.", false), ("user", "Hi", false)], [("temperature", "0.7")]);

        var other = Build(model, [("system", "Be brief.", false), ("user", turn, false)], [("temperature", temperature)]);

        Assert.NotEqual(baseline.Request, other.Request);
        Assert.Equal(model == "gpt-4o", baseline.Prefix == other.Prefix);
    }

    [Fact]
    public void Finish_RequestSeenAgain_SameFingerprintsAndPrefixCountFromTheCache()
    {
        var system = ("system", $"Cache test {Guid.NewGuid()}: answer in one line.", false);
        var messages = new[] { system, ("user", "What is 2 + 2?", false) };

        var first = Build("gpt-4o", messages);
        var again = Enumerable.Range(0, 3).Select(_ => Build("gpt-4o", messages)).ToList();
        var other = Build("gpt-4o", [system, ("user", "What is 2 + 3?", false)]);

        Assert.All(again, fingerprint => Assert.Equal(first, fingerprint));
        Assert.Equal(first.Prefix, other.Prefix);
        Assert.Equal(first.PrefixTokens, other.PrefixTokens);
        Assert.NotEqual(first.Request, other.Request);
        Assert.Matches("^[0-9a-f]{32}$", other.Request);
    }

    [Fact]
    public void Finish_SystemUserAndParameters_XxHash128OfTheDocumentedCanonicalForm()
    {
        // docs/ledger-format.md: the version line, the model, each section as its kind, role and length-prefixed content
        // (text fields 't'), then the parameters sorted by name; the prefix ends after the system message.
        var fingerprint = Build("gpt-4o", [("developer", "Be brief.", false), ("user", "Hi", false)], [("temperature", "0.7"), ("max_output_tokens", "100")]);
        const string Prefix = "tollgate.request.v1\nm6:gpt-4oMr6:systemc12:t9:Be brief.";
        const string Request = Prefix + "Mr4:userc5:t2:Hi" + "p17:max_output_tokensv3:100" + "p11:temperaturev3:0.7";

        Assert.Equal(Xxh128(Prefix), fingerprint.Prefix);
        Assert.Equal(Xxh128(Request), fingerprint.Request);
    }

    [Fact]
    public void Finish_TextSplitAcrossFields_IsNotTheSameAsJoined()
    {
        // Length-prefixed fields: "ab" + "c" is not "a" + "bc".
        var canon = CanonicalRequest.Begin("m");
        canon.BeginSection();
        canon.Text("ab");
        canon.Text("c");
        canon.EndMessage("user");
        var first = canon.Finish(Tokenizer);
        canon = CanonicalRequest.Begin("m");
        canon.BeginSection();
        canon.Text("a");
        canon.Text("bc");
        canon.EndMessage("user");

        Assert.NotEqual(first.Request, canon.Finish(Tokenizer).Request);
    }

    [Fact]
    public void Finish_NoBreakpoint_PrefixIsAllButTheLastMessage()
    {
        var system = string.Concat(Enumerable.Repeat("word ", 1000));

        var single = Build("gpt-4o", [("user", "Hi", false)]);
        var withSystem = Build("gpt-4o", [("system", system, false), ("user", "Hi", false)]);
        var developer = Build("gpt-4o", [("developer", system, false), ("user", "Hi", false)]);

        Assert.Null(single.Prefix);
        Assert.Equal(0, single.PrefixTokens);
        Assert.NotNull(withSystem.Prefix);
        // About 1000 "word" tokens (" word" is one token) + the section's 4.
        Assert.InRange(withSystem.PrefixTokens, 1000, 1006);
        Assert.Equal(withSystem, developer);
    }

    [Fact]
    public void Finish_Breakpoint_PrefixReachesItsSection()
    {
        var withBreak = Build("claude", [("system", "rules", false), ("user", "doc", true), ("assistant", "ok", false), ("user", "q1", false)]);
        var laterTurn = Build("claude", [("system", "rules", false), ("user", "doc", true), ("assistant", "sure", false), ("user", "q2", false)]);
        var noBreak = Build("claude", [("system", "rules", false), ("user", "doc", false), ("assistant", "ok", false), ("user", "q1", false)]);

        Assert.Equal(withBreak.Prefix, laterTurn.Prefix);
        Assert.NotEqual(withBreak.Prefix, noBreak.Prefix);
        Assert.Equal(withBreak.Request, noBreak.Request); // a breakpoint changes nothing the model sees: only where the prefix ends
    }

    [Fact]
    public void Finish_WithoutPrefix_Embeddings_RecordNone()
    {
        var embedding = Build("text-embedding-3-small", [("input", "a", false), ("input", "b", false)], withPrefix: false);

        Assert.Null(embedding.Prefix);
        Assert.Equal(0, embedding.PrefixTokens);
    }

    [Theory]
    [InlineData(0.7f, "0.7")]
    [InlineData(1f, "1")]
    [InlineData(0.1f, "0.1")]
    public void Number_FloatAndJsonDouble_SameText(float value, string json)
    {
        Assert.Equal(CanonicalValues.Number(value), CanonicalValues.Number(double.Parse(json, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Json_MembersInAnotherOrderAndSpacing_SameCanonicalText()
    {
        using var a = System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"number","minimum":1.50}}}""");
        using var b = System.Text.Json.JsonDocument.Parse("""{ "properties": { "a": { "minimum": 1.5, "type": "number" }, "b": { "type": "string" } }, "type": "object" }""");

        Assert.Equal(CanonicalValues.Json(a.RootElement), CanonicalValues.Json(b.RootElement));
        Assert.Equal("""{"properties":{"a":{"minimum":1.5,"type":"number"},"b":{"type":"string"}},"type":"object"}""", System.Text.Encoding.UTF8.GetString(CanonicalValues.Json(a.RootElement)));
    }

    private static string Xxh128(string canonical) =>
        Convert.ToHexStringLower(System.IO.Hashing.XxHash128.Hash(System.Text.Encoding.UTF8.GetBytes(canonical)));
}
