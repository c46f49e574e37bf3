using System.CommandLine;
using Tollgate.Analytics;
using Tollgate.Ledger;
using Tollgate.Storage;

namespace Tollgate.Cli.Commands;

/// <summary>
/// The options every analytics command takes — <c>--from/--to/--tz/--tenant/--project/--user/--provider/--model/--key</c>,
/// <c>--json</c> and <c>--store</c>, and <c>--tag</c> where the command filters by tags — and what they mean.
/// </summary>
/// <param name="tags">Whether the command takes <c>--tag KEY=VALUE</c> filters.</param>
internal sealed class AnalyticsFilterOptions(bool tags = false)
{
    private readonly Option<string[]>? _tag = tags ? new("--tag") { Description = "Only records with this tag, KEY=VALUE (repeatable; all must match)." } : null;
    private readonly LedgerFilterOptions _dimensions = new();
    private readonly Option<string?> _from = LedgerOptions.From();
    private readonly Option<string?> _to = LedgerOptions.To();
    private readonly Option<string?> _tz = LedgerOptions.TimeZone();
    private readonly Option<string?> _store = CommonOptions.Store();

    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON with money as decimal strings." };

    /// <summary>The <c>--store</c> option, for commands that open more than the ledger.</summary>
    public Option<string?> StoreOption => _store;

    public void AddTo(Command command)
    {
        _dimensions.AddTo(command);
        foreach (var option in new Option[] { _from, _to, _tz, Json, _store })
        {
            command.Options.Add(option);
        }

        if (_tag is not null)
        {
            command.Options.Add(_tag);
        }
    }

    /// <summary>The <c>--tag</c> filters, or a <see cref="CliException"/> saying what to fix.</summary>
    public List<TagFilter> ParseTags(ParseResult parse) => _tag is null ? [] : ParseTags(parse.GetValue(_tag));

    /// <summary><c>--tag</c> values as filters, or a <see cref="CliException"/> saying what to fix.</summary>
    public static List<TagFilter> ParseTags(string[]? values) =>
        [.. (values ?? []).Select(t => TagFilter.Parse(t, out var error) ?? throw new CliException("--tag: " + error))];

    /// <summary>The filter and zone, or a <see cref="CliException"/> saying what to fix.</summary>
    public (LedgerFilter Filter, TimeZoneInfo Zone, StoreLocation Store) Parse(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var zone = LedgerOptions.ParseTimeZone(parse.GetValue(_tz));
        var filter = _dimensions.Parse(
            parse,
            LedgerOptions.ParseBound(parse.GetValue(_from), "--from", zone, isEnd: false),
            LedgerOptions.ParseBound(parse.GetValue(_to), "--to", zone, isEnd: true));
        LedgerOptions.CheckRange(filter.From, filter.To);
        return (filter, zone, CommonOptions.ParseStore(parse.GetValue(_store)));
    }
}
