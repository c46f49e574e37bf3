using System.Globalization;
using System.Security.Cryptography;

namespace Tollgate.Budgets;

/// <summary>Reservation ids unique across processes: a random prefix per gate and a sequence number.</summary>
internal sealed class ReservationIds
{
    private readonly string _idPrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "-";
    private long _sequence;

    public string Prefix => _idPrefix;

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public string Next() =>
        string.Concat(_idPrefix, Interlocked.Increment(ref _sequence).ToString("x", CultureInfo.InvariantCulture));
}
