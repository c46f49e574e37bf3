namespace Tollgate.Reconciliation.Reading;

/// <summary>What an export file holds, recognised from its content.</summary>
public enum ExportFormat
{
    /// <summary>OpenAI <c>/v1/organization/usage/completions</c> pages (or the usage dashboard's CSV).</summary>
    OpenAiUsage,

    /// <summary>OpenAI <c>/v1/organization/costs</c> pages (or the cost dashboard's CSV).</summary>
    OpenAiCosts,

    /// <summary>Anthropic <c>/v1/organizations/usage_report/messages</c> pages (or its CSV form).</summary>
    AnthropicUsage,

    /// <summary>Anthropic <c>/v1/organizations/cost_report</c> pages (or its CSV form).</summary>
    AnthropicCosts,
}
