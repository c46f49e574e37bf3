using System.Collections.Concurrent;
using Tollgate.Keys;

namespace Tollgate.Gateway.Auth;

/// <summary>
/// Single-flight key lookups: a burst of requests with the same uncached key (a cold start, a cache expiry) asks the
/// store once and every waiter shares the answer, so a hundred concurrent requests cost one query and one connection,
/// not a hundred. A waiter that gives up (client gone) does not cancel the lookup the others wait for.
/// </summary>
internal sealed class KeyLookupFlights(IKeyStore store)
{
    private readonly ConcurrentDictionary<(KeyHash, int), Task<VirtualKey?>> _flights = new();

    /// <summary>The key with this hash; lookups join only a flight of the same cache generation (none started before a key was created).</summary>
    public Task<VirtualKey?> FindAsync(KeyHash hash, int generation, CancellationToken cancellationToken)
    {
        var flightKey = (hash, generation);
        if (!_flights.TryGetValue(flightKey, out var flight))
        {
            var started = new TaskCompletionSource<VirtualKey?>(TaskCreationOptions.RunContinuationsAsynchronously);
            flight = _flights.GetOrAdd(flightKey, started.Task);
            if (flight == started.Task)
            {
                _ = RunAsync(flightKey, started);
            }
        }

        return flight.IsCompleted ? flight : flight.WaitAsync(cancellationToken);
    }

    private async Task RunAsync((KeyHash Hash, int Generation) flightKey, TaskCompletionSource<VirtualKey?> done)
    {
        try
        {
            done.TrySetResult(await store.FindByHashAsync(flightKey.Hash, CancellationToken.None));
        }
        catch (Exception ex)
        {
            done.TrySetException(ex);
        }
        finally
        {
            _flights.TryRemove(new KeyValuePair<(KeyHash, int), Task<VirtualKey?>>(flightKey, done.Task));
        }
    }
}
