using System.CommandLine;
using Tollgate.Ledger;
using Tollgate.Storage;

namespace Tollgate.Cli.Commands;

/// <summary>
/// The options every analytics command takes — <c>--from/--to/--tz/--tenant/--project/--user/--provider/--model</c>,
/// <c>--json</c> and <c>--store</c> — and the filter and zone they mean.
/// </summary>
internal sealed class AnalyticsFilterOptions
{
    private readonly Option<string?> _provider = new("--provider") { Description = "Only this provider." };
    private readonly Option<string?> _model = new("--model") { Description = "Only this model." };
    private readonly Option<string?> _project = new("--project") { Description = "Only this project." };
    private readonly Option<string?> _tenant = new("--tenant") { Description = "Only this tenant." };
    private readonly Option<string?> _user = new("--user") { Description = "Only this user." };
    private readonly Option<string?> _from = LedgerOptions.From();
    private readonly Option<string?> _to = LedgerOptions.To();
    private readonly Option<string?> _tz = LedgerOptions.TimeZone();
    private readonly Option<string?> _store = CommonOptions.Store();

    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON with money as decimal strings." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _provider, _model, _project, _tenant, _user, _from, _to, _tz, Json, _store })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The filter and zone, or a <see cref="CliException"/> saying what to fix.</summary>
    public (LedgerFilter Filter, TimeZoneInfo Zone, StoreLocation Store) Parse(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var zone = LedgerOptions.ParseTimeZone(parse.GetValue(_tz));
        var filter = new LedgerFilter
        {
            Provider = parse.GetValue(_provider),
            Model = parse.GetValue(_model),
            Project = parse.GetValue(_project),
            Tenant = parse.GetValue(_tenant),
            User = parse.GetValue(_user),
            From = LedgerOptions.ParseBound(parse.GetValue(_from), "--from", zone, isEnd: false),
            To = LedgerOptions.ParseBound(parse.GetValue(_to), "--to", zone, isEnd: true),
        };
        LedgerOptions.CheckRange(filter.From, filter.To);
        return (filter, zone, CommonOptions.ParseStore(parse.GetValue(_store)));
    }
}
