using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tollgate.Pricing;

/// <summary>
/// A genai-prices match tree (<c>equals</c>, <c>starts_with</c>, <c>ends_with</c>, <c>contains</c>, <c>regex</c>,
/// nested <c>or</c>/<c>and</c>). Text clauses compare case-insensitively; a regex is a search (it may match
/// anywhere unless anchored) over the reference as given (model references are lower-cased before matching).
/// </summary>
public abstract class MatchClause
{
    private protected MatchClause()
    {
    }

    /// <summary>True when <paramref name="text"/> satisfies this clause.</summary>
    public abstract bool IsMatch(string text);

    /// <summary>Builds a clause from its JSON form (exactly one key). Throws <see cref="FormatException"/> on a malformed clause.</summary>
    public static MatchClause Parse(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where}: a match clause must be an object.");
        }

        MatchClause? clause = null;
        foreach (var property in element.EnumerateObject())
        {
            if (clause is not null)
            {
                throw new FormatException($"{where}: a match clause must have exactly one key.");
            }

            clause = property.Name switch
            {
                "equals" => new TextClause(TextClauseKind.Equals, RequireString(property.Value, where)),
                "starts_with" => new TextClause(TextClauseKind.StartsWith, RequireString(property.Value, where)),
                "ends_with" => new TextClause(TextClauseKind.EndsWith, RequireString(property.Value, where)),
                "contains" => new TextClause(TextClauseKind.Contains, RequireString(property.Value, where)),
                "regex" => new RegexClause(RequireString(property.Value, where), where),
                "or" => new AnyClause(ParseList(property.Value, where)),
                "and" => new AllClause(ParseList(property.Value, where)),
                _ => throw new FormatException($"{where}: unknown match clause '{property.Name}'."),
            };
        }

        return clause ?? throw new FormatException($"{where}: a match clause must have exactly one key.");
    }

    private static string RequireString(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"{where}: a match value must be a string.");

    private static MatchClause[] ParseList(JsonElement value, string where)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{where}: 'or'/'and' must be a list of clauses.");
        }

        var list = new List<MatchClause>();
        foreach (var item in value.EnumerateArray())
        {
            list.Add(Parse(item, where));
        }

        return [.. list];
    }

    private enum TextClauseKind
    {
        Equals,
        StartsWith,
        EndsWith,
        Contains,
    }

    private sealed class TextClause(TextClauseKind kind, string value) : MatchClause
    {
        public override bool IsMatch(string text) => kind switch
        {
            TextClauseKind.Equals => string.Equals(text, value, StringComparison.OrdinalIgnoreCase),
            TextClauseKind.StartsWith => text.StartsWith(value, StringComparison.OrdinalIgnoreCase),
            TextClauseKind.EndsWith => text.EndsWith(value, StringComparison.OrdinalIgnoreCase),
            _ => text.Contains(value, StringComparison.OrdinalIgnoreCase),
        };

        public override string ToString() => $"{kind}:{value}";
    }

    private sealed class RegexClause : MatchClause
    {
        private readonly Regex _regex;

        public RegexClause(string pattern, string where)
        {
            try
            {
                // A timeout bounds a pathological pattern from an override file.
                _regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException ex)
            {
                throw new FormatException($"{where}: invalid regex '{pattern}': {ex.Message}", ex);
            }
        }

        public override bool IsMatch(string text)
        {
            try
            {
                return _regex.IsMatch(text);
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }

        public override string ToString() => $"regex:{_regex}";
    }

    private sealed class AnyClause(MatchClause[] clauses) : MatchClause
    {
        public override bool IsMatch(string text)
        {
            foreach (var clause in clauses)
            {
                if (clause.IsMatch(text))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private sealed class AllClause(MatchClause[] clauses) : MatchClause
    {
        public override bool IsMatch(string text)
        {
            foreach (var clause in clauses)
            {
                if (!clause.IsMatch(text))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
