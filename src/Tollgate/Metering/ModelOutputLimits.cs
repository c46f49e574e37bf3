using Tollgate.Routing;
using Tollgate.Tokens;

namespace Tollgate.Metering;

/// <summary>
/// A model's maximum output for <see cref="OutputBound"/>: the routing capability catalog (built-in file plus the
/// host's own files), else Tollgate's built-in table of model families. One source for holds, routing and estimates.
/// </summary>
public sealed class ModelOutputLimits(CapabilityCatalog capabilities) : IModelLimits
{
    private static readonly Lazy<ModelOutputLimits> s_builtIn = new(() => new ModelOutputLimits(CapabilityCatalog.BuiltIn()));

    /// <summary>The built-in capability catalog and table.</summary>
    public static ModelOutputLimits BuiltIn => s_builtIn.Value;

    public int? GetMaxOutputTokens(string provider, string model) =>
        capabilities.Find(provider, model)?.MaxOutputTokens ?? BuiltInModelLimits.Instance.GetMaxOutputTokens(provider, model);
}
