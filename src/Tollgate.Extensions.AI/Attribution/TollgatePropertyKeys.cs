namespace Tollgate.Extensions.AI;

/// <summary>
/// Keys of <c>ChatOptions.AdditionalProperties</c> / <c>EmbeddingGenerationOptions.AdditionalProperties</c>
/// that attribute one call. They override the ambient <see cref="TollgateScope"/> for that call and are
/// removed from the options the inner client sees, so they never reach the provider.
/// </summary>
public static class TollgatePropertyKeys
{
    /// <summary>The tenant (string).</summary>
    public const string Tenant = "tollgate.tenant";

    /// <summary>The project (string).</summary>
    public const string Project = "tollgate.project";

    /// <summary>The end user (string).</summary>
    public const string User = "tollgate.user";

    /// <summary>The session or conversation (string).</summary>
    public const string Session = "tollgate.session";

    /// <summary>
    /// Tags: an <c>IEnumerable&lt;KeyValuePair&lt;string, string&gt;&gt;</c> (e.g. a dictionary) or a string
    /// <c>"feature=search,team=core"</c>. Merged over the scope's tags.
    /// </summary>
    public const string Tags = "tollgate.tags";

    /// <summary>The request id used for the ledger record (string); a new one is generated when absent.</summary>
    public const string RequestId = "tollgate.request_id";

    /// <summary>
    /// Set by Tollgate on <c>ChatResponse.AdditionalProperties</c>: what the call cost (decimal, USD); with
    /// <see cref="RequestId"/> naming its ledger record.
    /// </summary>
    public const string Cost = "tollgate.cost";

    internal const string Prefix = "tollgate.";
}
