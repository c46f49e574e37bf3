namespace Tollgate.Reconciliation.Reading;

/// <summary>A problem in one export file; caught by <see cref="ProviderExportReader"/> and returned as its error.</summary>
internal sealed class ExportFormatException(string message) : Exception(message);
