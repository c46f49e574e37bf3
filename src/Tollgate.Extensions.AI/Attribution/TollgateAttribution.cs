namespace Tollgate.Extensions.AI;

/// <summary>Who a call is charged to: tenant, project, user, session and free-form tags.</summary>
public sealed record TollgateAttribution
{
    // Declared before Empty: static initialisers run in text order and Empty's Tags default reads this.
    internal static readonly IReadOnlyDictionary<string, string> EmptyTags = new Dictionary<string, string>(0);

    public static TollgateAttribution Empty { get; } = new();

    public string? Tenant { get; init; }
    public string? Project { get; init; }
    public string? User { get; init; }
    public string? Session { get; init; }

    /// <summary>Tags such as <c>feature=search</c>; never null.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = EmptyTags;

    /// <summary>This attribution with every value <paramref name="inner"/> sets taking precedence; tags merge.</summary>
    public TollgateAttribution CombineWith(TollgateAttribution inner)
    {
        if (ReferenceEquals(this, Empty))
        {
            return inner;
        }

        return new TollgateAttribution
        {
            Tenant = inner.Tenant ?? Tenant,
            Project = inner.Project ?? Project,
            User = inner.User ?? User,
            Session = inner.Session ?? Session,
            Tags = MergeTags(Tags, inner.Tags),
        };
    }

    internal static IReadOnlyDictionary<string, string> MergeTags(
        IReadOnlyDictionary<string, string> outer, IReadOnlyDictionary<string, string> inner)
    {
        if (inner.Count == 0)
        {
            return outer;
        }

        if (outer.Count == 0)
        {
            return inner;
        }

        var merged = new Dictionary<string, string>(outer, StringComparer.Ordinal);
        foreach (var (key, value) in inner)
        {
            merged[key] = value;
        }

        return merged;
    }
}
