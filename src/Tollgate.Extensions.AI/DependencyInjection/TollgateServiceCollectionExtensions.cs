using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tollgate.Extensions.AI;

/// <summary>Dependency-injection registration of Tollgate for apps that call models in process.</summary>
public static class TollgateServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="TollgateEngine"/> built from <see cref="TollgateOptions"/>, validated at start
    /// (<c>ValidateOnStart</c>: a generic host fails to start on bad options; without a host, resolving the engine
    /// throws <see cref="OptionsValidationException"/> naming every setting to fix). Uses the registered
    /// <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/> when there are.
    /// </summary>
    public static IServiceCollection AddTollgate(this IServiceCollection services, Action<TollgateOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<TollgateOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TollgateOptions>, TollgateOptionsValidator>());
        services.TryAddSingleton(sp => TollgateEngineFactory.Create(
            sp.GetRequiredService<IOptions<TollgateOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()));
        return services;
    }

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
