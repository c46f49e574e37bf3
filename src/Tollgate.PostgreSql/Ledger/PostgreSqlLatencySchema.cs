using Npgsql;
using NpgsqlTypes;
using Tollgate.Ledger;

namespace Tollgate.PostgreSql.Ledger;

/// <summary>
/// The latency rollups in PostgreSQL (schema version 10): per quarter hour or UTC day × provider, model, api flavour,
/// tenant, the calls using a prompt cache and a sparse <see cref="LatencyHistogram"/> of the successful calls as a flat
/// <c>bigint[]</c> of (bucket, count) pairs in bucket order. Two SQL functions compute a latency's bucket
/// (<see cref="LatencyBuckets.Of"/>) and add two histograms, so an upsert adds a batch's histogram to the stored one
/// in the server, where concurrent appenders' row locks keep the sums exact.
/// </summary>
internal static class PostgreSqlLatencySchema
{
    /// <summary>The version that added the latency rollups.</summary>
    public const int Version = 10;

    private const string Keys = "provider, model, api_flavor, tenant";

    private const string EmptyArray = "'{}'";

    public static readonly string Create = $"""
        CREATE OR REPLACE FUNCTION tollgate_latency_bucket(v bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
            SELECT CASE WHEN v < {LatencyBuckets.ExactBelow} THEN greatest(v, 0)
                        ELSE {LatencyBuckets.ExactBelow} + (e - 7) * {LatencyBuckets.SubBuckets} + ((v >> (e - 6)) - {LatencyBuckets.SubBuckets}) END
            FROM (SELECT 64 - position(B'1' IN v::bit(64)) AS e) AS x
        $f$;
        CREATE OR REPLACE FUNCTION tollgate_latency_add(a bigint[], b bigint[]) RETURNS bigint[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
            SELECT coalesce(array_agg(p.v ORDER BY g.k, p.j), {EmptyArray})
            FROM (SELECT k, sum(n)::bigint AS n FROM (
                      SELECT a[2 * i - 1] AS k, a[2 * i] AS n FROM generate_series(1, coalesce(cardinality(a), 0) / 2) AS i
                      UNION ALL
                      SELECT b[2 * i - 1], b[2 * i] FROM generate_series(1, coalesce(cardinality(b), 0) / 2) AS i) AS s
                  GROUP BY k) AS g
            CROSS JOIN LATERAL (VALUES (1, g.k), (2, g.n)) AS p(j, v)
        $f$;
        CREATE TABLE IF NOT EXISTS {LatencyQuerySql.Quarter} (
            quarter bigint NOT NULL, provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL,
            api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL,
            cache_calls bigint NOT NULL, histogram bigint[] NOT NULL,
            PRIMARY KEY (quarter, {Keys})) WITH (fillfactor = 50);
        CREATE TABLE IF NOT EXISTS {LatencyQuerySql.Daily} (
            day bigint NOT NULL, provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL,
            api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL,
            cache_calls bigint NOT NULL, histogram bigint[] NOT NULL,
            PRIMARY KEY (day, {Keys})) WITH (fillfactor = 50);
        """;

    /// <summary>
    /// The rows of <paramref name="source"/> (time, dimensions, bucket b (−1 for failed calls), calls n, cache users c)
    /// as latency rollup rows: the pairs flattened in bucket order.
    /// </summary>
    private static string Pairs(string source) => $"""
        SELECT t, {Keys}, (sum(c) FILTER (WHERE j = 1))::bigint, coalesce(array_agg(v ORDER BY b, j) FILTER (WHERE b >= 0), {EmptyArray})
        FROM {source} CROSS JOIN LATERAL (VALUES (1, b::bigint), (2, n::bigint)) AS p(j, v)
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        """;

    private static string Merge(string time) =>
        $"ON CONFLICT ({time}, {Keys}) DO UPDATE SET cache_calls = r.cache_calls + excluded.cache_calls, histogram = tollgate_latency_add(r.histogram, excluded.histogram)";

    /// <summary>Per (time, dimensions, bucket) counts of <paramref name="from"/>'s records (which have a <c>t</c> column).</summary>
    private static string Buckets(string from, string time) => $"""
        SELECT {time} AS t, {Keys}, CASE WHEN success THEN tollgate_latency_bucket(latency_ms) ELSE -1 END AS b, count(*) AS n,
            sum(CASE WHEN cache_read_tokens > 0 OR cache_write_tokens > 0 THEN 1 ELSE 0 END) AS c
        FROM {from} GROUP BY 1, 2, 3, 4, 5, 6
        """;

    private const string DayOf = "t - ((t % 86400) + 86400) % 86400";

    /// <summary>The exact append path's common table expressions (after its others): the latency rollups of the inserted rows <c>ins</c>.</summary>
    public static readonly string AppendCtes = $"""
        lat AS ({Buckets("ins", "quarter")}),
        lat_quarter AS (
            INSERT INTO {LatencyQuerySql.Quarter} AS r (quarter, {Keys}, cache_calls, histogram)
            {Pairs("lat")}
            {Merge("quarter")}
            RETURNING 1),
        lat_day AS (SELECT {DayOf} AS t, {Keys}, b, sum(n) AS n, sum(c) AS c FROM lat GROUP BY 1, 2, 3, 4, 5, 6),
        lat_daily AS (
            INSERT INTO {LatencyQuerySql.Daily} AS r (day, {Keys}, cache_calls, histogram)
            {Pairs("lat_day")}
            {Merge("day")}
            RETURNING 1)
        """;

    private static readonly string RawRows = $"(SELECT {PostgreSqlLedgerSchema.QuarterOfTs} AS quarter, provider, model, coalesce(api_flavor, '') AS api_flavor, " +
                                             "coalesce(tenant, '') AS tenant, success, latency_ms, cache_read_tokens, cache_write_tokens FROM ledger_records) AS raw";

    /// <summary>
    /// Upgrading from before version 10: the latency rollups, from the raw records kept (a range before a retention cutoff
    /// then has no latencies, as it has no raw records).
    /// </summary>
    public static readonly string Fill = $"""
        DELETE FROM {LatencyQuerySql.Quarter};
        WITH lat AS ({Buckets(RawRows, "quarter")})
        INSERT INTO {LatencyQuerySql.Quarter} AS r (quarter, {Keys}, cache_calls, histogram)
        {Pairs("lat")};
        DELETE FROM {LatencyQuerySql.Daily};
        WITH lat AS ({Buckets(RawRows, "quarter - ((quarter % 86400) + 86400) % 86400")})
        INSERT INTO {LatencyQuerySql.Daily} AS r (day, {Keys}, cache_calls, histogram)
        {Pairs("lat")};
        ANALYZE {LatencyQuerySql.Quarter}, {LatencyQuerySql.Daily};
        """;

    public static readonly string UpsertQuarter = Upsert(LatencyQuerySql.Quarter, "quarter");

    public static readonly string UpsertDaily = Upsert(LatencyQuerySql.Daily, "day");

    private static string Upsert(string table, string time) => $"""
        INSERT INTO {table} AS r ({time}, {Keys}, cache_calls, histogram)
        SELECT d.t, d.provider, d.model, d.api_flavor, d.tenant, d.c, ($9::int8[])[d.s:d.e]
        FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int4[], $8::int4[]) AS d(t, {Keys}, c, s, e)
        ORDER BY d.t, d.provider COLLATE "C", d.model COLLATE "C", d.api_flavor COLLATE "C", d.tenant COLLATE "C"
        {Merge(time)}
        """;

    /// <summary>A batch's latency rollup rows as one upsert of arrays: each row's pairs are a slice of one flat array.</summary>
    public static NpgsqlBatchCommand Rows(Dictionary<(long Time, string Provider, string Model, string ApiFlavor, string Tenant), LatencyCell> rows, string upsert)
    {
        var n = rows.Count;
        var time = new long[n];
        var keys = new string[4][];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = new string[n];
        }

        var cache = new long[n];
        var start = new int[n];
        var end = new int[n];
        var pairs = new List<long>();
        var i = 0;
        foreach (var (key, cell) in rows)
        {
            time[i] = key.Time;
            (keys[0][i], keys[1][i], keys[2][i], keys[3][i]) = (key.Provider, key.Model, key.ApiFlavor, key.Tenant);
            cache[i] = cell.CacheCalls;
            start[i] = pairs.Count + 1;
            pairs.AddRange(cell.Histogram.ToPairs());
            end[i] = pairs.Count;
            i++;
        }

        var command = new NpgsqlBatchCommand(upsert);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = time });
        foreach (var k in keys)
        {
            p.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = k });
        }

        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = cache });
        p.Add(new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = start });
        p.Add(new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = end });
        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = [.. pairs] });
        return command;
    }
}
