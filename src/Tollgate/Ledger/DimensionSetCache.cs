using System.Collections.Concurrent;

namespace Tollgate.Ledger;

/// <summary>
/// The dimension sets of <c>ledger_dims</c> by id, as a relational store's readers resolve the ids of the wide latency
/// rollups: a set never changes once it has an id, so each is read from the database once per store.
/// </summary>
internal sealed class DimensionSetCache
{
    private readonly ConcurrentDictionary<long, RollupDims> _byId = new();

    /// <summary>The distinct ids of <paramref name="ids"/> not cached yet.</summary>
    public List<long> Missing(IEnumerable<long> ids) => [.. ids.Where(id => !_byId.ContainsKey(id)).Distinct()];

    public void Add(long id, RollupDims dims) => _byId[id] = dims;

    public RollupDims this[long id] => _byId[id];
}
