using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tollgate.Extensions.AI;

/// <summary>
/// <c>services.AddTollgate(...)</c> for apps that call models in process: the engine over the stores
/// <see cref="Hosting.TollgateStores"/> opens for the gateway too. It lives here, with the store drivers, so the
/// middleware package itself depends on core and <c>Microsoft.Extensions.AI.Abstractions</c> only.
/// </summary>
public static class TollgateStoreServiceCollectionExtensions
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
}
