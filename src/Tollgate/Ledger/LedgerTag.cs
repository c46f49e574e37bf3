namespace Tollgate.Ledger;

/// <summary>A tag a report is restricted to: only records whose tag <see cref="Key"/> has <see cref="Value"/>.</summary>
public readonly record struct LedgerTag(string Key, string Value);
