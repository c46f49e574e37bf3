using Tollgate.Analytics;

namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// Reads a provider's usage and cost exports — the API's pages as returned (one page, an array of pages or JSON lines
/// per file) or the console's CSV — checking each file is the export expected of it. All or nothing: any problem in
/// any file is the error, naming the file and what is wrong, and nothing is returned.
/// </summary>
public static class ProviderExportReader
{
    public static AnalyticsOutcome<ProviderExport> Read(string provider, IReadOnlyList<ProviderFile> usage, IReadOnlyList<ProviderFile> costs)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(costs);
        var (usageFormat, costFormat) = provider switch
        {
            "openai" => (ExportFormat.OpenAiUsage, ExportFormat.OpenAiCosts),
            "anthropic" => (ExportFormat.AnthropicUsage, ExportFormat.AnthropicCosts),
            _ => (default(ExportFormat?), default(ExportFormat?)),
        };
        if (usageFormat is null || costFormat is null)
        {
            return AnalyticsOutcome<ProviderExport>.Fail($"provider '{provider}' cannot be reconciled: use openai or anthropic");
        }

        if (usage.Count == 0)
        {
            return AnalyticsOutcome<ProviderExport>.Fail("no usage file: give the provider's usage export");
        }

        var sink = new ExportSink();
        try
        {
            foreach (var file in usage)
            {
                ReadFile(file, usageFormat.Value, "usage", sink);
            }

            foreach (var file in costs)
            {
                ReadFile(file, costFormat.Value, "costs", sink);
            }
        }
        catch (ExportFormatException ex)
        {
            return AnalyticsOutcome<ProviderExport>.Fail(ex.Message);
        }

        return AnalyticsOutcome<ProviderExport>.Ok(new ProviderExport(sink.Usage, sink.Costs, sink.UsageDays, sink.CostDays));
    }

    private static void ReadFile(ProviderFile file, ExportFormat expected, string role, ExportSink sink)
    {
        var start = file.Text.TrimStart('\uFEFF').TrimStart();
        if (start.Length == 0)
        {
            throw new ExportFormatException($"{file.Name}: empty file: give the {Describe(expected)}");
        }

        if (start[0] is not ('{' or '['))
        {
            var table = CsvTable.Parse(file);
            Check(ConsoleCsvReader.Detect(table, file.Name), expected, role, file.Name);
            ConsoleCsvReader.Read(table, expected, file.Name, sink);
            return;
        }

        foreach (var (page, where) in PagedJson.Pages(file))
        {
            var format = ExportDetector.Detect(page, where);
            if (format is null)
            {
                // A page without results: its shape still tells the provider (OpenAI's pages are "object": "page").
                var openAi = ExportDetector.IsOpenAiPage(page);
                if (openAi != expected is ExportFormat.OpenAiUsage or ExportFormat.OpenAiCosts)
                {
                    throw new ExportFormatException($"{where}: an {(openAi ? "OpenAI" : "Anthropic")} page, but {role} expects the {Describe(expected)}");
                }

                format = expected;
            }

            Check(format.Value, expected, role, where);
            switch (format)
            {
                case ExportFormat.OpenAiUsage:
                    OpenAiUsageReader.Read(page, where, sink);
                    break;
                case ExportFormat.OpenAiCosts:
                    OpenAiCostReader.Read(page, where, sink);
                    break;
                case ExportFormat.AnthropicUsage:
                    AnthropicUsageReader.Read(page, where, sink);
                    break;
                default:
                    AnthropicCostReader.Read(page, where, sink);
                    break;
            }
        }
    }

    private static void Check(ExportFormat found, ExportFormat expected, string role, string where)
    {
        if (found != expected)
        {
            throw new ExportFormatException($"{where}: this is the {Describe(found)}, but {role} expects the {Describe(expected)}");
        }
    }

    private static string Describe(ExportFormat format) => format switch
    {
        ExportFormat.OpenAiUsage => "OpenAI usage export (/v1/organization/usage/completions)",
        ExportFormat.OpenAiCosts => "OpenAI costs export (/v1/organization/costs)",
        ExportFormat.AnthropicUsage => "Anthropic usage export (usage_report/messages)",
        _ => "Anthropic cost export (cost_report)",
    };
}
