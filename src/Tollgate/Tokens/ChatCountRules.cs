using System.Collections.Concurrent;

namespace Tollgate.Tokens;

/// <summary>
/// How one model's chat prompts are counted (from <see cref="ChatTokenCounter.RulesFor"/>): its tokenizer and the
/// per-message and per-name framing. Immutable; keep one per model.
/// </summary>
public sealed class ChatCountRules
{
    // Roles are a handful of short strings counted on every message: counted once per encoding, not per message.
    private static readonly string[] KnownRoles = ["system", "user", "assistant", "tool", "developer"];
    private static readonly ConcurrentDictionary<TiktokenEncoding, int[]> RoleTokensByEncoding = new();
    private readonly int[] _roleTokens;

    internal ChatCountRules(string model, ModelTokenizer tokenizer, int tokensPerMessage, int tokensPerName, string? note)
    {
        Model = model;
        Tokenizer = tokenizer;
        TokensPerMessage = tokensPerMessage;
        TokensPerName = tokensPerName;
        Note = note;
        _roleTokens = RoleTokensByEncoding.GetOrAdd(tokenizer.Encoding, static e => Array.ConvertAll(KnownRoles, e.CountTokens));
    }

    /// <summary>The model the rules are for, as named.</summary>
    public string Model { get; }

    /// <summary>The tokenizer (encoding and factor) the model is counted with.</summary>
    public ModelTokenizer Tokenizer { get; }

    /// <summary>Framing tokens per message (3; 4 for <c>gpt-3.5-turbo-0301</c>).</summary>
    public int TokensPerMessage { get; }

    /// <summary>Tokens a message's name adds beyond its own text (1; −1 for <c>gpt-3.5-turbo-0301</c>).</summary>
    public int TokensPerName { get; }

    /// <summary>Why counts for this model are estimates (unknown model, tokenizer not public); null when exact.</summary>
    public string? Note { get; }

    /// <summary>Tokens of a role name in the model's encoding.</summary>
    public int RoleTokens(string role)
    {
        ArgumentNullException.ThrowIfNull(role);
        for (var i = 0; i < KnownRoles.Length; i++)
        {
            if (string.Equals(KnownRoles[i], role, StringComparison.Ordinal))
            {
                return _roleTokens[i];
            }
        }

        return Tokenizer.Encoding.CountTokens(role);
    }
}
