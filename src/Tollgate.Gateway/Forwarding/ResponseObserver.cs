using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Metering;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Watches a provider's response (one JSON body or the JSON payloads of SSE events) for what settlement needs:
/// the usage the provider reported, the model that answered, and the generated text (to count tokens when a
/// stream is cut off before its usage arrives). Usage is read with the provider's <see cref="UsageDialect"/> (the
/// catalog's extractor rules for that provider and API flavour), as <c>tollgate price</c> reads the same body.
/// </summary>
internal sealed class ResponseObserver(WireFormat format, UsageDialect dialect, bool collectText) : IDisposable
{
    private bool _collectText = collectText;
    private PooledBuffer? _text;
    private bool _malformed;

    public Usage Usage { get; } = new();

    public bool UsageReported { get; private set; }

    /// <summary>True when a usage count was not a non-negative integer (see <see cref="UsageDialect.Read"/>).</summary>
    public bool UsageMalformed => _malformed;

    public string? ResponseModel { get; private set; }

    /// <summary>Bytes of generated text seen (UTF-8, unescaped).</summary>
    public ReadOnlySpan<byte> GeneratedText => _text is null ? default : _text.Span;

    public bool SawDone { get; set; }

    /// <summary>Whether the last observed payload carried usage (OpenAI usage chunk / Anthropic message_delta).</summary>
    public bool LastPayloadHadUsage { get; private set; }

    /// <summary>
    /// Takes the usage a translating adapter read from the provider's own body (its dialect: Gemini image output,
    /// Anthropic cache writes by TTL…), which the OpenAI-shaped translation cannot carry.
    /// </summary>
    public void Adopt(Usage usage)
    {
        Usage.Clear();
        Usage.Add(usage);
        UsageReported = true;
        _malformed = false;
    }

    /// <summary>Reads the generated text of a complete body too (to count it when the usage it reports cannot be billed).</summary>
    public void CollectTextOf(ReadOnlySpan<byte> json)
    {
        if (!_collectText)
        {
            _collectText = true;
            Observe(json);
        }
    }

    /// <summary>Reads a complete JSON document (a non-stream body or one SSE data payload); false when it is not JSON.</summary>
    public bool Observe(ReadOnlySpan<byte> json)
    {
        LastPayloadHadUsage = false;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.CurrentDepth >= 1)
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadUsage(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (ResponseModel is null && reader.TokenType == JsonTokenType.String)
                    {
                        ResponseModel = reader.GetString();
                    }
                }
                else if (_collectText && (reader.ValueTextEquals("choices"u8) || reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("content_block"u8) ||
                                          reader.ValueTextEquals("output"u8) || (format == WireFormat.Anthropic && reader.ValueTextEquals("content"u8))))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        // Responses API text deltas: {"type":"response.output_text.delta","delta":"…"}.
                        AppendString(ref reader);
                    }
                    else
                    {
                        CollectText(ref reader);
                    }
                }
                else if (format == WireFormat.OpenAI && reader.ValueTextEquals("response"u8))
                {
                    // Responses API stream events carry the response object; response.completed has its usage.
                    reader.Read();
                    ReadNestedResponse(ref reader);
                }
                else if (format == WireFormat.Anthropic && reader.ValueTextEquals("message"u8))
                {
                    // message_start: {"type":"message_start","message":{"model":…,"usage":{…}}}
                    reader.Read();
                    ReadAnthropicMessage(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        dialect.Read(ref reader, Usage, ref _malformed);
        UsageReported = true;
        LastPayloadHadUsage = true;
    }

    /// <summary>Reads the <c>response</c> object of a Responses API event: its model and, in <c>response.completed</c>, its usage.</summary>
    private void ReadNestedResponse(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != depth + 1)
            {
                continue;
            }

            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadUsage(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                if (ResponseModel is null && reader.TokenType == JsonTokenType.String)
                {
                    ResponseModel = reader.GetString();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadAnthropicMessage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != depth + 1)
            {
                continue;
            }

            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    dialect.Read(ref reader, Usage, ref _malformed);
                    UsageReported = true;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                if (ResponseModel is null && reader.TokenType == JsonTokenType.String)
                {
                    ResponseModel = reader.GetString();
                }
            }
            else if (_collectText && reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                CollectText(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>Appends the generated strings (content, text, arguments, refusal, reasoning) inside the current value.</summary>
    private void CollectText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        var depth = reader.CurrentDepth;
        var collectNext = false;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    collectNext = reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("text"u8) ||
                                  reader.ValueTextEquals("arguments"u8) || reader.ValueTextEquals("refusal"u8) ||
                                  reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8) ||
                                  reader.ValueTextEquals("partial_json"u8) || reader.ValueTextEquals("thinking"u8);
                    break;
                case JsonTokenType.String:
                    if (collectNext)
                    {
                        AppendString(ref reader);
                    }

                    collectNext = false;
                    break;
                case JsonTokenType.StartArray:
                case JsonTokenType.StartObject:
                    break;
                default:
                    collectNext = false;
                    break;
            }
        }
    }

    private void AppendString(ref Utf8JsonReader reader)
    {
        _text ??= new PooledBuffer(1024);
        if (!reader.ValueIsEscaped)
        {
            _text.Write(reader.ValueSpan);
            return;
        }

        var span = _text.GetSpan(reader.ValueSpan.Length);
        var written = reader.CopyString(span);
        _text.Advance(written);
    }

    public void Dispose() => _text?.Dispose();
}
