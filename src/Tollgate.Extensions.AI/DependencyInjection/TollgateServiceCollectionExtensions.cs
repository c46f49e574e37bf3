using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tollgate.Extensions.AI;

/// <summary>
/// Dependency-injection registration of Tollgate's clients. The engine itself (<c>AddTollgate()</c>, which opens the stores
/// and so brings the database drivers) comes from the <c>Tollgate.Hosting</c> package.
/// </summary>
public static class TollgateServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="IChatClient"/> that is <paramref name="innerClient"/> wrapped by the container's
    /// Tollgate engine, with <see cref="TollgateOptions.Client"/> as its settings. (Apps using
    /// <c>Microsoft.Extensions.AI</c>'s <c>AddChatClient</c> builder write
    /// <c>.Use((inner, sp) =&gt; inner.WithTollgate(sp.GetRequiredService&lt;TollgateEngine&gt;()))</c> instead.)
    /// </summary>
    public static IServiceCollection AddTollgateChatClient(this IServiceCollection services, Func<IServiceProvider, IChatClient> innerClient)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(innerClient);
        services.AddSingleton<IChatClient>(sp => new TollgateChatClient(
            innerClient(sp),
            sp.GetRequiredService<TollgateEngine>(),
            sp.GetRequiredService<IOptions<TollgateOptions>>().Value.Client));
        return services;
    }
}
