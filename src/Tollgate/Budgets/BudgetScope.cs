using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Tollgate.Budgets;

/// <summary>
/// Which requests a budget counts: every non-null part must equal the subject's (ordinal, exact match).
/// All parts null is the global scope. Text form: <c>global</c> or <c>tenant:acme,model:gpt-4o</c>.
/// </summary>
public sealed record BudgetScope
{
    public string? Tenant { get; init; }

    public string? Project { get; init; }

    public string? User { get; init; }

    public string? KeyId { get; init; }

    public string? Provider { get; init; }

    public string? Model { get; init; }

    public static BudgetScope Global { get; } = new();

    /// <summary>The ledger records this scope counts, optionally within [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Ledger.LedgerFilter ToLedgerFilter(DateTimeOffset? from = null, DateTimeOffset? to = null) => new()
    {
        Tenant = Tenant,
        Project = Project,
        User = User,
        KeyId = KeyId,
        Provider = Provider,
        Model = Model,
        From = from,
        To = to,
    };

    public bool IsGlobal => Tenant is null && Project is null && User is null && KeyId is null && Provider is null && Model is null;

    /// <summary>True when every part this scope names equals the subject's.</summary>
    public bool Matches(BudgetSubject subject) =>
        Part(Tenant, subject.Tenant) && Part(Project, subject.Project) && Part(User, subject.User) &&
        Part(KeyId, subject.KeyId) && Part(Provider, subject.Provider) && Part(Model, subject.Model);

    private static bool Part(string? wanted, string? actual) => wanted is null || string.Equals(wanted, actual, StringComparison.Ordinal);

    public override string ToString()
    {
        if (IsGlobal)
        {
            return "global";
        }

        var sb = new StringBuilder();
        void Add(string name, string? value)
        {
            if (value is null)
            {
                return;
            }

            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(name).Append(':').Append(value);
        }

        Add("tenant", Tenant);
        Add("project", Project);
        Add("user", User);
        Add("key", KeyId);
        Add("provider", Provider);
        Add("model", Model);
        return sb.ToString();
    }

    /// <summary>Parses <c>global</c> or comma-separated <c>part:value</c> pairs; false with a message that says what to fix.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out BudgetScope? scope, out string? error)
    {
        scope = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "scope is empty: use global, tenant:T, project:P, user:U, key:K, provider:X, model:M (comma-separated to combine)";
            return false;
        }

        if (text.Trim().Equals("global", StringComparison.OrdinalIgnoreCase))
        {
            scope = Global;
            return true;
        }

        var result = new BudgetScope();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == raw.Length - 1)
            {
                error = $"scope part '{raw}' is not part:value: use tenant:T, project:P, user:U, key:K, provider:X or model:M";
                return false;
            }

            var name = raw[..colon].ToLowerInvariant();
            var value = raw[(colon + 1)..];
            BudgetScope? next = name switch
            {
                "tenant" when result.Tenant is null => result with { Tenant = value },
                "project" when result.Project is null => result with { Project = value },
                "user" when result.User is null => result with { User = value },
                "key" when result.KeyId is null => result with { KeyId = value },
                "provider" when result.Provider is null => result with { Provider = value },
                "model" when result.Model is null => result with { Model = value },
                _ => null,
            };
            if (next is null)
            {
                error = $"scope part '{raw}': unknown or repeated '{name}' (use tenant, project, user, key, provider, model, each once)";
                return false;
            }

            result = next;
        }

        if (result.IsGlobal)
        {
            error = "scope names no part: use global or part:value";
            return false;
        }

        scope = result;
        return true;
    }
}
