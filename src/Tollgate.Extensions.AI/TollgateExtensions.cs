using Microsoft.Extensions.AI;

namespace Tollgate.Extensions.AI;

/// <summary>
/// Wiring for Microsoft.Extensions.AI: wrap a client or generator, use the engine as a <c>ChatClientBuilder.Use</c>
/// middleware, and open attribution scopes.
/// </summary>
public static class TollgateExtensions
{
    /// <summary>Wraps <paramref name="client"/> so every call is budgeted, priced and recorded by <paramref name="tollgate"/>.</summary>
    public static TollgateChatClient WithTollgate(this IChatClient client, TollgateEngine tollgate, Action<TollgateChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(tollgate);
        return new TollgateChatClient(client, tollgate, Configure(configure));
    }

    /// <summary>Wraps <paramref name="generator"/> so every embedding call is budgeted, priced and recorded by <paramref name="tollgate"/>.</summary>
    public static TollgateEmbeddingGenerator WithTollgate(
        this IEmbeddingGenerator<string, Embedding<float>> generator, TollgateEngine tollgate, Action<TollgateChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(tollgate);
        return new TollgateEmbeddingGenerator(generator, tollgate, Configure(configure));
    }

    /// <summary>
    /// The middleware as a <c>Func&lt;IChatClient, IChatClient&gt;</c>: apps that have <c>Microsoft.Extensions.AI</c>
    /// write <c>builder.Use(tollgate.ChatMiddleware)</c> on their <c>ChatClientBuilder</c>.
    /// </summary>
    public static IChatClient ChatMiddleware(this TollgateEngine tollgate, IChatClient innerClient) =>
        new TollgateChatClient(innerClient, tollgate);

    /// <summary>The embedding middleware as a <c>Func</c> for <c>EmbeddingGeneratorBuilder.Use(tollgate.EmbeddingMiddleware)</c>.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> EmbeddingMiddleware(
        this TollgateEngine tollgate, IEmbeddingGenerator<string, Embedding<float>> innerGenerator) =>
        new TollgateEmbeddingGenerator(innerGenerator, tollgate);

    /// <summary>
    /// Starts an ambient attribution scope for the current async flow: every Tollgate call made until it is disposed is
    /// charged to these values (nested scopes combine; a call's <c>tollgate.*</c> properties still win), and the scope
    /// keeps their totals.
    /// </summary>
    public static TollgateScope BeginScope(
        this TollgateEngine tollgate,
        string? user = null,
        string? tenant = null,
        string? project = null,
        string? session = null,
        IReadOnlyDictionary<string, string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(tollgate);
        return TollgateScope.Begin(new TollgateAttribution
        {
            User = user,
            Tenant = tenant,
            Project = project,
            Session = session,
            Tags = tags ?? TollgateAttribution.EmptyTags,
        });
    }

    private static TollgateChatClientOptions Configure(Action<TollgateChatClientOptions>? configure)
    {
        var options = new TollgateChatClientOptions();
        configure?.Invoke(options);
        return options.EnsureValid();
    }
}
