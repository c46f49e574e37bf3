using System.Buffers.Binary;
using Npgsql;
using NpgsqlTypes;
using Tollgate.Ledger;

namespace Tollgate.PostgreSql.Ledger;

/// <summary>
/// The latency rollups in PostgreSQL: per quarter hour or UTC day × provider, model, api flavour, tenant (narrow, schema
/// version 10), × dimension set (wide, version 11, keyed by <c>ledger_dims</c> like the wide rollups) or × tag key, tag
/// value, provider, model, api flavour, tenant (tag, version 12, keyed like the tag rollups), the calls using
/// a prompt cache and a sparse <see cref="LatencyHistogram"/> of the successful calls as a flat <c>bigint[]</c> of
/// (bucket, count) pairs in bucket order. Two SQL functions compute a latency's bucket (<see cref="LatencyBuckets.Of"/>)
/// and add two histograms, so an upsert adds a batch's histogram to the stored one in the server, where concurrent
/// appenders' row locks keep the sums exact.
/// </summary>
internal static class PostgreSqlLatencySchema
{
    /// <summary>The version that added the narrow latency rollups.</summary>
    public const int NarrowVersion = 10;

    /// <summary>The version that added the wide latency rollups.</summary>
    public const int WideVersion = 11;

    /// <summary>The version that added the tag latency rollups.</summary>
    public const int TagVersion = 12;

    /// <summary>The key columns of a narrow row after its time, and their count.</summary>
    private static readonly (string Columns, int Count) Narrow = ("provider, model, api_flavor, tenant", 4);

    /// <summary>The key column of a wide row after its time.</summary>
    private static readonly (string Columns, int Count) Wide = ("dim_id", 1);

    /// <summary>The key columns of a tag row besides its time, and their count.</summary>
    private static readonly (string Columns, int Count) Tag = ("tag_key, tag_value, provider, model, api_flavor, tenant", 6);

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
            PRIMARY KEY (quarter, {Narrow.Columns})) WITH (fillfactor = 50);
        CREATE TABLE IF NOT EXISTS {LatencyQuerySql.Daily} (
            day bigint NOT NULL, provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL,
            api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL,
            cache_calls bigint NOT NULL, histogram bigint[] NOT NULL,
            PRIMARY KEY (day, {Narrow.Columns})) WITH (fillfactor = 50);
        CREATE TABLE IF NOT EXISTS {LatencyQuerySql.WideQuarter} (
            quarter bigint NOT NULL, dim_id integer NOT NULL, cache_calls bigint NOT NULL, histogram bigint[] NOT NULL,
            PRIMARY KEY (quarter, dim_id)) WITH (fillfactor = 50);
        CREATE TABLE IF NOT EXISTS {LatencyQuerySql.WideDaily} (
            day bigint NOT NULL, dim_id integer NOT NULL, cache_calls bigint NOT NULL, histogram bigint[] NOT NULL,
            PRIMARY KEY (day, dim_id)) WITH (fillfactor = 50);
        CREATE TABLE IF NOT EXISTS {LatencyQuerySql.TagQuarter} (
            tag_key text COLLATE "C" NOT NULL, tag_value text COLLATE "C" NOT NULL, quarter bigint NOT NULL,
            provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL, api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL,
            cache_calls bigint NOT NULL, histogram bigint[] NOT NULL,
            PRIMARY KEY (tag_key, tag_value, quarter, provider, model, api_flavor, tenant)) WITH (fillfactor = 50);
        CREATE TABLE IF NOT EXISTS {LatencyQuerySql.TagDaily} (
            tag_key text COLLATE "C" NOT NULL, tag_value text COLLATE "C" NOT NULL, day bigint NOT NULL,
            provider text COLLATE "C" NOT NULL, model text COLLATE "C" NOT NULL, api_flavor text COLLATE "C" NOT NULL, tenant text COLLATE "C" NOT NULL,
            cache_calls bigint NOT NULL, histogram bigint[] NOT NULL,
            PRIMARY KEY (tag_key, tag_value, day, provider, model, api_flavor, tenant)) WITH (fillfactor = 50);
        """;

    /// <summary>1, 2, … <paramref name="count"/>: the positions a statement groups and orders by.</summary>
    private static string Positions(int count) => string.Join(", ", Enumerable.Range(1, count));

    /// <summary>
    /// The rows of <paramref name="source"/> (time t, the key columns, bucket b (−1 for failed calls), calls n, cache
    /// users c) as latency rollup rows: the pairs flattened in bucket order.
    /// </summary>
    private static string Pairs(string source, (string Columns, int Count) keys) => $"""
        SELECT t, {keys.Columns}, (sum(c) FILTER (WHERE j = 1))::bigint, coalesce(array_agg(v ORDER BY b, j) FILTER (WHERE b >= 0), {EmptyArray})
        FROM {source} CROSS JOIN LATERAL (VALUES (1, b::bigint), (2, n::bigint)) AS p(j, v)
        GROUP BY {Positions(keys.Count + 1)} ORDER BY {Positions(keys.Count + 1)}
        """;

    private static string Merge(string time, (string Columns, int Count) keys) =>
        $"ON CONFLICT ({time}, {keys.Columns}) DO UPDATE SET cache_calls = r.cache_calls + excluded.cache_calls, histogram = tollgate_latency_add(r.histogram, excluded.histogram)";

    /// <summary>Per (time, key columns, bucket) counts of <paramref name="from"/>'s records; <paramref name="select"/> gives the key columns.</summary>
    private static string Buckets(string from, string time, string select, int count) => $"""
        SELECT {time} AS t, {select}, CASE WHEN success THEN tollgate_latency_bucket(latency_ms) ELSE -1 END AS b, count(*) AS n,
            sum(CASE WHEN cache_read_tokens > 0 OR cache_write_tokens > 0 THEN 1 ELSE 0 END) AS c
        FROM {from} GROUP BY {Positions(count + 2)}
        """;

    private const string DayOf = "t - ((t % 86400) + 86400) % 86400";

    /// <summary>An insert of <paramref name="source"/>'s buckets into <paramref name="table"/>, added to the rows there.</summary>
    private static string Insert(string table, string time, (string Columns, int Count) keys, string source) => $"""
        INSERT INTO {table} AS r ({time}, {keys.Columns}, cache_calls, histogram)
        {Pairs(source, keys)}
        {Merge(time, keys)}
        """;

    /// <summary>Buckets summed per UTC day.</summary>
    private static string PerDay(string source, (string Columns, int Count) keys) =>
        $"SELECT {DayOf} AS t, {keys.Columns}, b, sum(n) AS n, sum(c) AS c FROM {source} GROUP BY {Positions(keys.Count + 2)}";

    /// <summary>
    /// The exact append path's common table expressions (after its others): both latency rollups of the inserted rows
    /// <c>ins</c> (every dimension set of which is in <c>ledger_dims</c>).
    /// </summary>
    public static readonly string AppendCtes = $"""
        lat AS ({Buckets("ins", "quarter", Narrow.Columns, Narrow.Count)}),
        lat_quarter AS ({Insert(LatencyQuerySql.Quarter, "quarter", Narrow, "lat")} RETURNING 1),
        lat_day AS ({PerDay("lat", Narrow)}),
        lat_daily AS ({Insert(LatencyQuerySql.Daily, "day", Narrow, "lat_day")} RETURNING 1),
        wlat AS ({Buckets($"ins JOIN ledger_dims d USING ({RollupDims.Columns})", "quarter", "d.id AS dim_id", 1)}),
        wlat_quarter AS ({Insert(LatencyQuerySql.WideQuarter, "quarter", Wide, "wlat")} RETURNING 1),
        wlat_day AS ({PerDay("wlat", Wide)}),
        wlat_daily AS ({Insert(LatencyQuerySql.WideDaily, "day", Wide, "wlat_day")} RETURNING 1),
        tlat AS ({Buckets(TaggedRows("ins"), "quarter", Tag.Columns, Tag.Count)}),
        tlat_quarter AS ({Insert(LatencyQuerySql.TagQuarter, "quarter", Tag, "tlat")} RETURNING 1),
        tlat_day AS ({PerDay("tlat", Tag)}),
        tlat_daily AS ({Insert(LatencyQuerySql.TagDaily, "day", Tag, "tlat_day")} RETURNING 1)
        """;

    /// <summary>Each row of <paramref name="records"/> (with a quarter and the narrow columns) once per tag, with its tag_key and tag_value.</summary>
    private static string TaggedRows(string records) =>
        $"{records} CROSS JOIN LATERAL jsonb_each_text({records}.tags::jsonb) AS tg(tag_key, tag_value) WHERE {records}.tags IS NOT NULL";

    /// <summary>The rollup rows <see cref="AppendCtes"/> wrote, for the statement's final count.</summary>
    public const string AppendCounts =
        "(SELECT count(*) FROM lat_quarter) + (SELECT count(*) FROM lat_daily) + (SELECT count(*) FROM wlat_quarter) + (SELECT count(*) FROM wlat_daily) " +
        "+ (SELECT count(*) FROM tlat_quarter) + (SELECT count(*) FROM tlat_daily)";

    private static readonly string RawRows = $"(SELECT {PostgreSqlLedgerSchema.QuarterOfTs} AS quarter, provider, model, coalesce(api_flavor, '') AS api_flavor, " +
                                             "coalesce(tenant, '') AS tenant, success, latency_ms, cache_read_tokens, cache_write_tokens FROM ledger_records) AS raw";

    private static readonly string WideRawRows = $"(SELECT {PostgreSqlLedgerSchema.QuarterOfTs} AS quarter, d.id AS dim_id, " +
                                                 "r.success, r.latency_ms, r.cache_read_tokens, r.cache_write_tokens " +
                                                 $"FROM ledger_records r JOIN ledger_dims d ON {PostgreSqlLedgerSchema.NoNullDims}) AS raw";

    /// <summary>
    /// Upgrading from before version 10: the narrow latency rollups, from the raw records kept (a range before a retention
    /// cutoff then has no latencies, as it has no raw records).
    /// </summary>
    public static readonly string FillNarrow = Fill(LatencyQuerySql.Quarter, LatencyQuerySql.Daily, RawRows, Narrow);

    /// <summary>Upgrading from before version 11: the wide latency rollups, from the raw records kept, keyed by the dimension sets the wide rollups hold.</summary>
    public static readonly string FillWide = Fill(LatencyQuerySql.WideQuarter, LatencyQuerySql.WideDaily, WideRawRows, Wide);

    private static readonly string TagRawRows = $"(SELECT {PostgreSqlLedgerSchema.QuarterOfTs} AS quarter, tag_key, tag_value, provider, model, " +
                                                "coalesce(api_flavor, '') AS api_flavor, coalesce(tenant, '') AS tenant, success, latency_ms, cache_read_tokens, cache_write_tokens " +
                                                $"FROM {TaggedRows("ledger_records")}) AS raw";

    /// <summary>Upgrading from before version 12: the tag latency rollups, from the raw records kept.</summary>
    public static readonly string FillTag = Fill(LatencyQuerySql.TagQuarter, LatencyQuerySql.TagDaily, TagRawRows, Tag);

    /// <summary>A quarter-hour and a daily latency rollup refilled from <paramref name="rawRows"/> (a quarter, the key columns and what a bucket needs).</summary>
    private static string Fill(string quarter, string daily, string rawRows, (string Columns, int Count) keys) => $"""
        DELETE FROM {quarter};
        WITH lat AS ({Buckets(rawRows, "quarter", keys.Columns, keys.Count)})
        INSERT INTO {quarter} AS r (quarter, {keys.Columns}, cache_calls, histogram)
        {Pairs("lat", keys)};
        DELETE FROM {daily};
        WITH lat AS ({Buckets(rawRows, "quarter - ((quarter % 86400) + 86400) % 86400", keys.Columns, keys.Count)})
        INSERT INTO {daily} AS r (day, {keys.Columns}, cache_calls, histogram)
        {Pairs("lat", keys)};
        ANALYZE {quarter}, {daily};
        """;

    public static readonly string UpsertQuarter = Upsert(LatencyQuerySql.Quarter, "quarter");

    public static readonly string UpsertDaily = Upsert(LatencyQuerySql.Daily, "day");

    public static readonly string UpsertWideQuarter = UpsertWide(LatencyQuerySql.WideQuarter, "quarter");

    public static readonly string UpsertWideDaily = UpsertWide(LatencyQuerySql.WideDaily, "day");

    public static readonly string UpsertTagQuarter = Upsert(LatencyQuerySql.TagQuarter, "quarter", Tag);

    public static readonly string UpsertTagDaily = Upsert(LatencyQuerySql.TagDaily, "day", Tag);

    /// <summary>
    /// An upsert of rows keyed by the time ($1) and text columns ($2…), then the cache calls, each row's slice (start, end)
    /// of the flat pairs array and that array; rows in (time, key) order, as the exact path's statement writes them.
    /// </summary>
    private static string Upsert(string table, string time, (string Columns, int Count)? keys = null)
    {
        var (columns, count) = keys ?? Narrow;
        var names = columns.Split(", ");
        var p = count + 2;
        return $"""
            INSERT INTO {table} AS r ({time}, {columns}, cache_calls, histogram)
            SELECT d.t, {string.Join(", ", names.Select(n => "d." + n))}, d.c, (${p + 3}::int8[])[d.s:d.e]
            FROM unnest($1::int8[], {string.Join(", ", names.Select((_, i) => $"${i + 2}::text[]"))}, ${p}::int8[], ${p + 1}::int4[], ${p + 2}::int4[]) AS d(t, {columns}, c, s, e)
            ORDER BY d.t, {string.Join(", ", names.Select(n => $"d.{n} COLLATE \"C\""))}
            {Merge(time, (columns, count))}
            """;
    }

    private static string UpsertWide(string table, string time) => $"""
        INSERT INTO {table} AS r ({time}, dim_id, cache_calls, histogram)
        SELECT d.t, d.dim_id, d.c, ($6::int8[])[d.s:d.e]
        FROM unnest($1::int8[], $2::int4[], $3::int8[], $4::int4[], $5::int4[]) AS d(t, dim_id, c, s, e)
        ORDER BY d.t, d.dim_id
        {Merge(time, Wide)}
        """;

    /// <summary>A batch's narrow latency rollup rows as one upsert of arrays: each row's pairs are a slice of one flat array.</summary>
    public static NpgsqlBatchCommand Rows(Dictionary<RollupKey, LatencyCell> rows, string upsert) =>
        TextKeyed(rows.Select(r => (r.Key.Time, new[] { r.Key.Provider, r.Key.Model, r.Key.ApiFlavor, r.Key.Tenant }, r.Value)), rows.Count, Narrow.Count, upsert);

    /// <summary>A batch's tag latency rollup rows as one upsert of arrays.</summary>
    public static NpgsqlBatchCommand TagRows(Dictionary<TagRollupKey, LatencyCell> rows, string upsert) =>
        TextKeyed(rows.Select(r => (r.Key.Time, new[] { r.Key.Key, r.Key.Value, r.Key.Provider, r.Key.Model, r.Key.ApiFlavor, r.Key.Tenant }, r.Value)), rows.Count, Tag.Count, upsert);

    private static NpgsqlBatchCommand TextKeyed(IEnumerable<(long Time, string[] Keys, LatencyCell Cell)> rows, int n, int keyCount, string upsert)
    {
        var time = new long[n];
        var keys = new string[keyCount][];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = new string[n];
        }

        var cells = new LatencyCell[n];
        var i = 0;
        foreach (var (t, values, cell) in rows)
        {
            time[i] = t;
            for (var k = 0; k < keyCount; k++)
            {
                keys[k][i] = values[k];
            }

            cells[i++] = cell;
        }

        var command = new NpgsqlBatchCommand(upsert);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = time });
        foreach (var k in keys)
        {
            p.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = k });
        }

        AddCells(p, cells);
        return command;
    }

    /// <summary>A batch's wide latency rollup rows (keyed by time and dimension-set id) as one upsert of arrays.</summary>
    public static NpgsqlBatchCommand WideRows(Dictionary<(long Time, int DimId), LatencyCell> rows, string upsert)
    {
        var n = rows.Count;
        var time = new long[n];
        var dims = new int[n];
        var cells = new LatencyCell[n];
        var i = 0;
        foreach (var (key, cell) in rows)
        {
            (time[i], dims[i]) = key;
            cells[i++] = cell;
        }

        var command = new NpgsqlBatchCommand(upsert);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = time });
        p.Add(new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = dims });
        AddCells(p, cells);
        return command;
    }

    /// <summary>
    /// A histogram from <c>array_send(histogram)</c>: the binary form of a one-dimensional <c>bigint[]</c> (dimensions,
    /// null flag, element type, then length and lower bound per dimension; each element a 4-byte length and 8 bytes,
    /// big-endian), an empty array having no dimension.
    /// </summary>
    public static LatencyHistogram FromArraySend(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 12 || BinaryPrimitives.ReadInt32BigEndian(bytes) == 0)
        {
            return new LatencyHistogram();
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[12..]);
        var pairs = new long[count];
        var at = 20;
        for (var i = 0; i < count; i++, at += 12)
        {
            pairs[i] = BinaryPrimitives.ReadInt64BigEndian(bytes[(at + 4)..]);
        }

        return LatencyHistogram.FromPairs(pairs);
    }

    /// <summary>The cache calls, each cell's slice (1-based, inclusive) of the flat pairs array, and that array.</summary>
    private static void AddCells(NpgsqlParameterCollection p, LatencyCell[] cells)
    {
        var cache = new long[cells.Length];
        var start = new int[cells.Length];
        var end = new int[cells.Length];
        var pairs = new List<long>();
        for (var i = 0; i < cells.Length; i++)
        {
            cache[i] = cells[i].CacheCalls;
            start[i] = pairs.Count + 1;
            pairs.AddRange(cells[i].Histogram.ToPairs());
            end[i] = pairs.Count;
        }

        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = cache });
        p.Add(new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = start });
        p.Add(new NpgsqlParameter<int[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, TypedValue = end });
        p.Add(new NpgsqlParameter<long[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, TypedValue = [.. pairs] });
    }
}
