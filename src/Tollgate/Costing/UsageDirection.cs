namespace Tollgate.Costing;

/// <summary>Whether a unit's cost counts toward the input price, the output price, or only the total.</summary>
public enum UsageDirection
{
    None,
    Input,
    Output,
}
