namespace Tollgate.Pricing;

/// <summary>What a catalog refresh did: the base catalog now in use (<c>remote:URL</c>, <c>last-good:URL</c>, <c>builtin</c>) and any error.</summary>
public sealed record CatalogRefreshResult(bool Fetched, string Source, string? Error);
