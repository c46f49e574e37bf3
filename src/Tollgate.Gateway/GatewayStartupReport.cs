namespace Tollgate.Gateway;

/// <summary>What the start-up banner says: where the gateway listens, which providers are ready, where the admin key and data live.</summary>
public sealed record GatewayStartupReport
{
    public required Uri Address { get; init; }

    /// <summary>One line per provider: name, URL, where its key came from.</summary>
    public required IReadOnlyList<string> Providers { get; init; }

    /// <summary>Where the admin key is (never the key itself, except as a file path).</summary>
    public required string AdminKey { get; init; }

    /// <summary>Path of the generated admin key file, when one was generated or exists.</summary>
    public string? AdminKeyFile { get; init; }

    public required string Store { get; init; }

    public string? Redis { get; init; }

    /// <summary>Remarks worth a user's attention (no provider, demo mode, …).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The banner as lines of text.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"Tollgate gateway listening on {Address.ToString().TrimEnd('/')}  (OpenAI-compatible: {Address}v1)";
        yield return $"  store:     {Store}";
        if (Redis is not null)
        {
            yield return $"  redis:     {Redis}";
        }

        yield return $"  admin key: {AdminKey}";
        if (Providers.Count == 0)
        {
            // A newcomer's first run: say exactly what to do next, since every model call would be refused.
            yield return "  providers: none ready, so every model call will be refused (404 model_not_found). Next, do one of:";
            yield return "    - try everything without an API key: stop this (Ctrl+C) and start again with --demo";
            yield return "        tollgate serve --demo      (from the repository: dotnet run --project src/Tollgate.Cli -c Release -- serve --demo)";
            yield return "    - use a real provider: set its key, e.g. export OPENAI_API_KEY=sk-… (or ANTHROPIC_API_KEY, GEMINI_API_KEY, GROQ_API_KEY…),";
            yield return "      and start again: every provider whose key is set is used";
            yield return "    - or list providers in a tollgate.json and start with --config tollgate.json (docs/gateway.md)";
        }
        else
        {
            yield return "  providers:";
            foreach (var p in Providers)
            {
                yield return "    " + p;
            }
        }

        foreach (var note in Notes)
        {
            yield return "  " + note;
        }

        if (Providers.Count > 0)
        {
            yield return $"  next:      tollgate keys create --tenant acme   (prints a virtual key tg-…), then call {Address}v1 with it as the API key";
        }

        yield return $"  dashboard: {Address}  (sign in with the admin key, or a virtual key for its own usage)";
    }
}
