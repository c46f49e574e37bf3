using System.Buffers.Binary;
using System.Text;
using Tollgate.Ledger;

namespace Tollgate.PostgreSql.Ledger;

/// <summary>
/// Encodes ledger records in PostgreSQL's binary COPY format into one reusable buffer, written to a raw COPY stream a
/// buffer at a time. Npgsql's <c>NpgsqlBinaryImporter</c> resolves a converter and runs an async state machine per
/// field (28 a record): that was most of the client's CPU in the ingest profile. The row layout follows
/// <see cref="PostgreSqlLedgerSchema.RecordColumns"/>.
/// </summary>
internal sealed class BinaryCopyWriter
{
    private const int Capacity = 64 * 1024;
    private const short Fields = 31;

    // Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
    private const long PostgresEpochUnixMicros = 946_684_800_000_000;

    private static readonly byte[] Header = HeaderBytes();

    private readonly Stream _stream;
    private byte[] _buffer = new byte[Capacity];
    private int _position;

    public BinaryCopyWriter(Stream stream)
    {
        _stream = stream;
        Header.CopyTo(_buffer, 0);
        _position = Header.Length;
    }

    /// <summary>Adds one record; sends the buffer first when the record might not fit.</summary>
    public async ValueTask WriteAsync(UsageRecord r, CancellationToken cancellationToken)
    {
        var tags = LedgerColumns.EncodeTags(r.Tags);
        var extra = LedgerColumns.EncodeExtraUsage(r.Usage);
        var text = Length(r.RequestId) + Length(r.Provider) + Length(r.Model) + Length(r.ApiFlavor) + Length(r.Tenant) +
                   Length(r.Project) + Length(r.User) + Length(r.KeyId) + Length(r.SessionId) + Length(tags) + Length(extra) +
                   Length(r.Currency) + Length(r.PriceSource) + Length(r.ErrorClass) + Length(r.RequestFingerprint) + Length(r.PrefixFingerprint);
        var max = 2 + (Fields * 4) + (14 * 8) + 3 + (3L * text);
        if (_buffer.Length - _position < max)
        {
            await FlushAsync(cancellationToken);
            if (_buffer.Length < max)
            {
                _buffer = new byte[checked((int)max)];
            }
        }

        var u = r.Usage;
        Int16(Fields);
        Text(r.RequestId);
        Int4(r.Attempt);
        Int8(LedgerColumns.ToUnixMicros(r.Timestamp) - PostgresEpochUnixMicros);
        Text(r.Provider);
        Text(r.Model);
        Text(r.ApiFlavor);
        Text(r.Tenant);
        Text(r.Project);
        Text(r.User);
        Text(r.KeyId);
        Text(r.SessionId);
        Text(tags);
        Int8(u.InputTokens);
        Int8(u.CacheReadTokens);
        Int8(u.CacheWriteTokens);
        Int8(u.OutputTokens);
        Int8(u.ReasoningTokens);
        Text(extra);
        Text(r.Currency);
        Int8(r.InputCostNanos);
        Int8(r.OutputCostNanos);
        Int8(r.TotalCostNanos);
        Text(r.PriceSource);
        Int8(r.LatencyMs);
        Bool(r.Success);
        Text(r.ErrorClass);
        Bool(r.Estimated);
        Bool(r.Unpriced);
        Text(r.RequestFingerprint);
        Text(r.PrefixFingerprint);
        Int8(r.PrefixTokens);
    }

    /// <summary>Writes the end-of-data marker and sends what is buffered.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Length - _position < 2)
        {
            await FlushAsync(cancellationToken);
        }

        Int16(-1);
        await FlushAsync(cancellationToken);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(_buffer.AsMemory(0, _position), cancellationToken);
        _position = 0;
    }

    private static int Length(string? value) => value?.Length ?? 0;

    private void Int16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_position), value);
        _position += 2;
    }

    private void Int4(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_position), 4);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_position + 4), value);
        _position += 8;
    }

    private void Int8(long value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_position), 8);
        BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_position + 4), value);
        _position += 12;
    }

    private void Bool(bool value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_position), 1);
        _buffer[_position + 4] = value ? (byte)1 : (byte)0;
        _position += 5;
    }

    private void Text(string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_position), -1);
            _position += 4;
            return;
        }

        var length = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position + 4));
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_position), length);
        _position += 4 + length;
    }

    /// <summary>Signature, flags (no OIDs) and header-extension length.</summary>
    private static byte[] HeaderBytes() => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
}
