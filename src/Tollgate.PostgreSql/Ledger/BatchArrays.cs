using NpgsqlTypes;
using Npgsql;
using Tollgate.Ledger;

namespace Tollgate.PostgreSql.Ledger;

/// <summary>
/// A batch as one array per column, sent as one binary array parameter per column and expanded server-side with
/// <c>unnest</c>, for the exact append path (batches with stored or repeated keys): one statement inserts straight
/// into the ledger with <c>ON CONFLICT DO NOTHING</c> (no temporary staging table to create, fill and read back).
/// </summary>
internal sealed class BatchArrays
{
    public static readonly (string Name, string Type)[] Columns =
    [
        ("request_id", "text"), ("attempt", "int4"), ("ts", "timestamptz"), ("provider", "text"), ("model", "text"),
        ("api_flavor", "text"), ("tenant", "text"), ("project", "text"), ("user_id", "text"), ("key_id", "text"),
        ("session_id", "text"), ("tags", "text"), ("input_tokens", "int8"), ("cache_read_tokens", "int8"),
        ("cache_write_tokens", "int8"), ("output_tokens", "int8"), ("reasoning_tokens", "int8"), ("usage_extra", "text"),
        ("currency", "text"), ("input_cost_nanos", "int8"), ("output_cost_nanos", "int8"), ("total_cost_nanos", "int8"),
        ("price_source", "text"), ("latency_ms", "int8"), ("success", "bool"), ("error_class", "text"),
        ("estimated", "bool"), ("unpriced", "bool"), ("request_fingerprint", "text"), ("prefix_fingerprint", "text"),
        ("prefix_tokens", "int8"),
    ];

    /// <summary><c>unnest(@c0::text[], …) AS src(request_id, …)</c>.</summary>
    public static readonly string Unnest =
        "unnest(" + string.Join(", ", Columns.Select((c, i) => $"@c{i}::{c.Type}[]")) + ") AS src(" +
        string.Join(", ", Columns.Select(c => c.Name)) + ")";

    public static void AddParameters(NpgsqlCommand command, IReadOnlyList<UsageRecord> records)
    {
        var n = records.Count;
        var requestId = new string[n];
        var attempt = new int[n];
        var ts = new DateTime[n];
        var provider = new string[n];
        var model = new string[n];
        var apiFlavor = new string?[n];
        var tenant = new string?[n];
        var project = new string?[n];
        var user = new string?[n];
        var keyId = new string?[n];
        var session = new string?[n];
        var tags = new string?[n];
        var input = new long[n];
        var cacheRead = new long[n];
        var cacheWrite = new long[n];
        var output = new long[n];
        var reasoning = new long[n];
        var extra = new string?[n];
        var currency = new string[n];
        var inputCost = new long[n];
        var outputCost = new long[n];
        var totalCost = new long[n];
        var priceSource = new string?[n];
        var latency = new long[n];
        var success = new bool[n];
        var errorClass = new string?[n];
        var estimated = new bool[n];
        var unpriced = new bool[n];
        var requestFingerprint = new string?[n];
        var prefixFingerprint = new string?[n];
        var prefixTokens = new long[n];
        for (var i = 0; i < n; i++)
        {
            var r = records[i];
            var u = r.Usage;
            requestId[i] = r.RequestId;
            attempt[i] = r.Attempt;
            ts[i] = r.Timestamp.UtcDateTime;
            provider[i] = r.Provider;
            model[i] = r.Model;
            apiFlavor[i] = r.ApiFlavor;
            tenant[i] = r.Tenant;
            project[i] = r.Project;
            user[i] = r.User;
            keyId[i] = r.KeyId;
            session[i] = r.SessionId;
            tags[i] = LedgerColumns.EncodeTags(r.Tags);
            input[i] = u.InputTokens;
            cacheRead[i] = u.CacheReadTokens;
            cacheWrite[i] = u.CacheWriteTokens;
            output[i] = u.OutputTokens;
            reasoning[i] = u.ReasoningTokens;
            extra[i] = LedgerColumns.EncodeExtraUsage(u);
            currency[i] = r.Currency;
            inputCost[i] = r.InputCostNanos;
            outputCost[i] = r.OutputCostNanos;
            totalCost[i] = r.TotalCostNanos;
            priceSource[i] = r.PriceSource;
            latency[i] = r.LatencyMs;
            success[i] = r.Success;
            errorClass[i] = r.ErrorClass;
            estimated[i] = r.Estimated;
            unpriced[i] = r.Unpriced;
            requestFingerprint[i] = r.RequestFingerprint;
            prefixFingerprint[i] = r.PrefixFingerprint;
            prefixTokens[i] = r.PrefixTokens;
        }

        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string[]>("c0", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = requestId });
        p.Add(new NpgsqlParameter<int[]>("c1", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = attempt });
        p.Add(new NpgsqlParameter<DateTime[]>("c2", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = ts });
        Text(p, "c3", provider);
        Text(p, "c4", model);
        Text(p, "c5", apiFlavor);
        Text(p, "c6", tenant);
        Text(p, "c7", project);
        Text(p, "c8", user);
        Text(p, "c9", keyId);
        Text(p, "c10", session);
        Text(p, "c11", tags);
        Int8(p, "c12", input);
        Int8(p, "c13", cacheRead);
        Int8(p, "c14", cacheWrite);
        Int8(p, "c15", output);
        Int8(p, "c16", reasoning);
        Text(p, "c17", extra);
        Text(p, "c18", currency);
        Int8(p, "c19", inputCost);
        Int8(p, "c20", outputCost);
        Int8(p, "c21", totalCost);
        Text(p, "c22", priceSource);
        Int8(p, "c23", latency);
        Bool(p, "c24", success);
        Text(p, "c25", errorClass);
        Bool(p, "c26", estimated);
        Bool(p, "c27", unpriced);
        Text(p, "c28", requestFingerprint);
        Text(p, "c29", prefixFingerprint);
        Int8(p, "c30", prefixTokens);
    }

    private static void Text(NpgsqlParameterCollection p, string name, string?[] values) =>
        p.Add(new NpgsqlParameter<string?[]>(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = values });

    private static void Int8(NpgsqlParameterCollection p, string name, long[] values) =>
        p.Add(new NpgsqlParameter<long[]>(name, NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = values });

    private static void Bool(NpgsqlParameterCollection p, string name, bool[] values) =>
        p.Add(new NpgsqlParameter<bool[]>(name, NpgsqlDbType.Array | NpgsqlDbType.Boolean) { TypedValue = values });
}
