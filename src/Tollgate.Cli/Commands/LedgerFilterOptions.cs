using System.CommandLine;
using Tollgate.Ledger;

namespace Tollgate.Cli.Commands;

/// <summary>
/// The dimension filters of the ledger commands — <c>--provider/--model/--project/--tenant/--user/--key</c> — and an
/// optional <c>--by DIM</c>, parsed into a <see cref="LedgerFilter"/> and a <see cref="LedgerDimension"/>.
/// </summary>
internal sealed class LedgerFilterOptions
{
    private readonly Option<string?> _provider = new("--provider") { Description = "Only this provider." };
    private readonly Option<string?> _model = new("--model") { Description = "Only this model." };
    private readonly Option<string?> _project = new("--project") { Description = "Only this project." };
    private readonly Option<string?> _tenant = new("--tenant") { Description = "Only this tenant." };
    private readonly Option<string?> _user = new("--user") { Description = "Only this user." };
    private readonly Option<string?> _key = new("--key") { Description = "Only this virtual key id." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _provider, _model, _project, _tenant, _user, _key })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>A <c>--by</c> option taking one of <see cref="LedgerDimensionNames.All"/>.</summary>
    public static Option<string?> By(string description)
    {
        var by = new Option<string?>("--by") { Description = description };
        by.AcceptOnlyFromAmong([.. LedgerDimensionNames.All]);
        return by;
    }

    /// <summary>The dimension a <see cref="By"/> option names, or null when it was not given.</summary>
    public static LedgerDimension? ParseBy(ParseResult parse, Option<string?> by) =>
        LedgerDimensionNames.TryParse(parse.GetValue(by), out var dimension) ? dimension : null;

    /// <summary>The filter the options name, over the given time range.</summary>
    public LedgerFilter Parse(ParseResult parse, DateTimeOffset? from = null, DateTimeOffset? to = null) => new()
    {
        Provider = parse.GetValue(_provider),
        Model = parse.GetValue(_model),
        Project = parse.GetValue(_project),
        Tenant = parse.GetValue(_tenant),
        User = parse.GetValue(_user),
        KeyId = parse.GetValue(_key),
        From = from,
        To = to,
    };
}
