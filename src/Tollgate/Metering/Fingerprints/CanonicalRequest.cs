using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Tollgate.Tokens;

namespace Tollgate.Metering.Fingerprints;

/// <summary>
/// Builds the canonical form of one model request and hashes it into a <see cref="RequestFingerprint"/>; each door
/// feeds it what its wire format says (the gateway from the JSON body, the middleware from <c>ChatMessage</c>s), so
/// the same request gives the same fingerprints through either door. The canonical form is a byte string:
/// a version line, the model, then the tool definitions, the system parts and the messages in that order (the order
/// providers cache a prompt in), each a role and its length-prefixed content (text as UTF-8, other parts as their JSON),
/// then the output-changing parameters sorted by name. Never stored or even assembled: it is fed to XXH3-128 piece by
/// piece, and only that hash is recorded (an equality key, not a secret: a 128-bit hash of a whole prompt).
/// The prefix is the leading sections up to the last cache breakpoint, or — without one — every section but the last
/// message (the new turn). Built and finished synchronously on one thread: <see cref="Begin"/> hands out that
/// thread's builder, so a request costs no allocation but its hex string; a request or prefix seen lately is answered
/// (its hex strings, the prefix's token count) from a <see cref="RecentHashes{TValue}"/> keyed by its hash.
/// </summary>
public sealed class CanonicalRequest
{
    private const int InitialCapacity = 4096;
    private const int MaxRetainedCapacity = 1 << 20;

    /// <summary>Tokens per section beyond its content (role and framing), as providers count a message's overhead.</summary>
    private const int SectionOverheadTokens = 4;

    /// <summary>Requests seen lately: a repeat costs no hex string.</summary>
    private static readonly RecentHashes<RequestFingerprint> Requests = new();

    /// <summary>Prefixes seen lately with their token counts (counting a long system prompt costs far more than a lookup).</summary>
    private static readonly RecentHashes<(string Hex, long Tokens)> Prefixes = new();

    [ThreadStatic]
    private static CanonicalRequest? t_builder;

    private readonly List<Section> _sections = [];
    private readonly List<KeyValuePair<string, string>> _parameters = [];
    private byte[] _content = new byte[InitialCapacity];
    private int _length;
    private int _open = -1;
    private bool _breakpoint;
    private string _model = "";

    private CanonicalRequest()
    {
    }

    private enum SectionKind : byte
    {
        Tool = (byte)'T',
        System = (byte)'S',
        Message = (byte)'M',
    }

    /// <summary>The calling thread's builder, emptied, for a request to <paramref name="model"/>.</summary>
    public static CanonicalRequest Begin(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var builder = t_builder ??= new CanonicalRequest();
        builder._sections.Clear();
        builder._parameters.Clear();
        builder._length = 0;
        builder._open = -1;
        builder._breakpoint = false;
        builder._model = model;
        return builder;
    }

    /// <summary>Starts a tool definition, a system part or a message: the content written until its end is its own.</summary>
    public void BeginSection() => (_open, _breakpoint) = (_length, false);

    /// <summary>A function tool: its name, description and parameter schema (canonical JSON), as one section.</summary>
    public void Tool(string name, string? description, System.Text.Json.JsonElement? schema, bool breakpoint = false)
    {
        BeginSection();
        Value("name", name);
        Value("description", description ?? "");
        if (schema is { ValueKind: not (System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined) } json)
        {
            Value("schema", CanonicalValues.Json(json));
        }

        _breakpoint = breakpoint;
        EndTool();
    }

    /// <summary>Ends a tool definition.</summary>
    public void EndTool() => Close(SectionKind.Tool, "tool");

    /// <summary>Ends a system part given apart from the messages (Anthropic's <c>system</c>, the Responses API's <c>instructions</c>).</summary>
    public void EndSystem() => Close(SectionKind.System, "system");

    /// <summary>Ends a message with its role (<c>developer</c> counts as <c>system</c>).</summary>
    public void EndMessage(string role) => Close(SectionKind.Message, role == "developer" ? "system" : role);

    /// <summary>The open section carries a cache breakpoint (Anthropic's <c>cache_control</c>): the prefix reaches at least to its end.</summary>
    public void MarkBreakpoint() => _breakpoint = true;

    /// <summary>Text content, UTF-8.</summary>
    public void Text(ReadOnlySpan<byte> utf8) => Field((byte)'t', utf8);

    /// <summary>Text content.</summary>
    public void Text(ReadOnlySpan<char> text) => Field((byte)'t', text);

    /// <summary>A named non-text part of the open section (an image, a tool call, a tool's schema) as JSON or text.</summary>
    public void Value(string name, ReadOnlySpan<byte> utf8)
    {
        Field((byte)'k', name.AsSpan(0, Math.Min(name.Length, 64)));
        Field((byte)'v', utf8);
    }

    /// <summary>A named non-text part of the open section, as text.</summary>
    public void Value(string name, string value)
    {
        Field((byte)'k', name.AsSpan(0, Math.Min(name.Length, 64)));
        Field((byte)'v', value.AsSpan());
    }

    /// <summary>An output-changing parameter in its canonical text (<see cref="CanonicalValues"/>); a later value of the same name replaces an earlier one.</summary>
    public void Parameter(string name, string value)
    {
        for (var i = 0; i < _parameters.Count; i++)
        {
            if (_parameters[i].Key == name)
            {
                _parameters[i] = new(name, value);
                return;
            }
        }

        _parameters.Add(new(name, value));
    }

    /// <summary>
    /// Hashes what was built. <paramref name="withPrefix"/> is false for requests no provider caches (embeddings);
    /// <paramref name="tokenizer"/> counts the prefix's tokens (once per prefix seen lately: the count is cached with it).
    /// </summary>
    public RequestFingerprint Finish(ModelTokenizer tokenizer, bool withPrefix = true)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var count = _sections.Count;
        var sections = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sections);
        Span<int> order = count <= 64 ? stackalloc int[count] : new int[count];
        var n = 0;
        foreach (var kind in (ReadOnlySpan<SectionKind>)[SectionKind.Tool, SectionKind.System, SectionKind.Message])
        {
            for (var i = 0; i < count; i++)
            {
                if (sections[i].Kind == kind)
                {
                    order[n++] = i;
                }
            }
        }

        // The prefix: up to the last breakpoint; without one, all but the last message (the turn that changes).
        var last = -1;
        for (var i = 0; i < n; i++)
        {
            if (sections[order[i]].Breakpoint)
            {
                last = i;
            }
        }

        if (last < 0 && n > 0 && sections[order[n - 1]].Kind == SectionKind.Message)
        {
            last = n - 2;
        }

        if (!withPrefix)
        {
            last = -1;
        }

        // The canonical form is written after the sections' content in the same buffer, then hashed in one shot, the
        // prefix and the whole (one-shot XXH3 over a few hundred bytes costs less than feeding a streaming state).
        try
        {
            var start = _length;
            Raw("tollgate.request.v1\n"u8);
            Field((byte)'m', _model.AsSpan());
            var prefixEnd = -1;
            for (var i = 0; i < n; i++)
            {
                ref readonly var section = ref sections[order[i]];
                Raw([(byte)section.Kind]);
                Field((byte)'r', section.Role.AsSpan());
                Field((byte)'c', _content.AsSpan(section.Start, section.Length));
                if (i == last)
                {
                    prefixEnd = _length;
                }
            }

            SortParameters();
            foreach (var (name, value) in _parameters)
            {
                Field((byte)'p', name.AsSpan());
                Field((byte)'v', value.AsSpan());
            }

            var requestHash = XxHash128.HashToUInt128(_content.AsSpan(start, _length - start));
            if (Requests.TryGet(requestHash, out var seen))
            {
                return seen;
            }

            var request = Hex(requestHash);
            if (prefixEnd < 0)
            {
                return Remember(requestHash, new RequestFingerprint(request, null, 0));
            }

            var prefixKey = XxHash128.HashToUInt128(_content.AsSpan(start, prefixEnd - start));

            if (!Prefixes.TryGet(prefixKey, out var prefix))
            {
                long tokens = 0;
                for (var i = 0; i <= last; i++)
                {
                    var section = sections[order[i]];
                    tokens += Tokens(tokenizer, _content.AsSpan(section.Start, section.Length)) + SectionOverheadTokens;
                }

                prefix = (Hex(prefixKey), tokens);
                Prefixes.Add(prefixKey, prefix);
            }

            return Remember(requestHash, new RequestFingerprint(request, prefix.Hex, prefix.Tokens));
        }
        finally
        {
            if (_content.Length > MaxRetainedCapacity)
            {
                _content = new byte[InitialCapacity];
            }
        }
    }

    /// <summary>Tokens of a section's text and values (its framing and value names left out).</summary>
    private static long Tokens(ModelTokenizer tokenizer, ReadOnlySpan<byte> content)
    {
        long tokens = 0;
        while (!content.IsEmpty)
        {
            var tag = content[0];
            var colon = content.IndexOf((byte)':');
            var length = int.Parse(content[1..colon], CultureInfo.InvariantCulture);
            if (tag is (byte)'t' or (byte)'v')
            {
                tokens += tokenizer.CountUtf8(content.Slice(colon + 1, length)).Tokens;
            }

            content = content[(colon + 1 + length)..];
        }

        return tokens;
    }

    private void Close(SectionKind kind, string role)
    {
        var start = _open < 0 ? _length : _open;
        _sections.Add(new Section(kind, role, start, _length - start, _breakpoint));
        (_open, _breakpoint) = (-1, false);
    }

    private void Field(byte tag, ReadOnlySpan<byte> value)
    {
        Ensure(value.Length + 16);
        _content[_length++] = tag;
        _length = WriteLength(_content, _length, value.Length);
        value.CopyTo(_content.AsSpan(_length));
        _length += value.Length;
    }

    /// <summary>A field of text, encoded straight into the content after its length prefix (no intermediate buffer).</summary>
    private void Field(byte tag, ReadOnlySpan<char> text)
    {
        // One transcoding pass: the text is encoded after room for the longest prefix, then moved up to the prefix.
        const int Room = 12;
        Ensure(Room + Encoding.UTF8.GetMaxByteCount(text.Length));
        var length = Encoding.UTF8.GetBytes(text, _content.AsSpan(_length + Room));
        var at = WriteLength(_content, _length + 1, length);
        _content[_length] = tag;
        _content.AsSpan(_length + Room, length).CopyTo(_content.AsSpan(at));
        _length = at + length;
    }

    private void Ensure(int more)
    {
        if (_length + more > _content.Length)
        {
            Array.Resize(ref _content, Math.Max(_content.Length * 2, _length + more));
        }
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_content.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>The parameters by name (an insertion sort: a handful of entries, and no comparer to allocate).</summary>
    private void SortParameters()
    {
        for (var i = 1; i < _parameters.Count; i++)
        {
            var item = _parameters[i];
            var j = i - 1;
            for (; j >= 0 && string.CompareOrdinal(_parameters[j].Key, item.Key) > 0; j--)
            {
                _parameters[j + 1] = _parameters[j];
            }

            _parameters[j + 1] = item;
        }
    }

    /// <summary>The length in decimal digits and a colon (written by hand: a formatting call per field cost more than the rest of it).</summary>
    private static int WriteLength(Span<byte> target, int at, int length)
    {
        var digits = Digits(length);
        for (int i = at + digits - 1, rest = length; i >= at; i--, rest /= 10)
        {
            target[i] = (byte)('0' + (rest % 10));
        }

        target[at + digits] = (byte)':';
        return at + digits + 1;
    }

    private static int Digits(int value)
    {
        var digits = 1;
        for (; value >= 10; value /= 10)
        {
            digits++;
        }

        return digits;
    }

    private static RequestFingerprint Remember(UInt128 hash, RequestFingerprint fingerprint)
    {
        Requests.Add(hash, fingerprint);
        return fingerprint;
    }

    /// <summary>The hash as 32 lowercase hex digits, high half first (XXH128's canonical order).</summary>
    private static string Hex(UInt128 hash)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, hash);
        return Convert.ToHexStringLower(bytes);
    }

    private readonly record struct Section(SectionKind Kind, string Role, int Start, int Length, bool Breakpoint);
}
