namespace Tollgate.Metering.Fingerprints;

/// <summary>The fingerprints of one model request that the ledger records (see <see cref="CanonicalRequest"/>).</summary>
/// <param name="Request">Hex XXH3-128 of the canonical request (32 characters): equal for requests that ask the model the same thing.</param>
/// <param name="Prefix">Hex XXH3-128 of its stable leading part (what a provider's prompt cache could serve); null when it has none.</param>
/// <param name="PrefixTokens">Tokens in that leading part, counted with the model's tokenizer; 0 when none.</param>
public sealed record RequestFingerprint(string Request, string? Prefix, long PrefixTokens);
