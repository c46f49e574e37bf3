namespace Tollgate.Reconciliation.Reading;

/// <summary>One export file as given: its name (for errors) and its text.</summary>
public sealed record ProviderFile(string Name, string Text);
