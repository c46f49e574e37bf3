using Tollgate.Routing;

namespace Tollgate.Providers.Routing;

/// <summary>
/// The configured providers: their options, an adapter per provider and the <see cref="ProviderDescriptor"/>s routing
/// needs (a provider without its key is listed but unavailable, with the variable to set as the reason).
/// </summary>
public sealed class ProviderSet
{
    private readonly Dictionary<string, ProviderOptions> _options;
    private readonly Dictionary<string, IProviderAdapter> _adapters;

    private ProviderSet(Dictionary<string, ProviderOptions> options, Dictionary<string, IProviderAdapter> adapters, IReadOnlyList<ProviderDescriptor> descriptors)
    {
        _options = options;
        _adapters = adapters;
        Descriptors = descriptors;
    }

    public IReadOnlyList<ProviderDescriptor> Descriptors { get; }

    public IReadOnlyCollection<ProviderOptions> Options => _options.Values;

    /// <summary>
    /// Builds adapters for <paramref name="providers"/>. A provider without a base URL (Azure before it is configured)
    /// is listed as unavailable rather than failing the whole set.
    /// </summary>
    public static ProviderSet Create(
        IEnumerable<ProviderOptions> providers,
        HttpClient http,
        CapabilityCatalog? capabilities = null,
        TimeProvider? timeProvider = null,
        Func<string, string?>? environment = null)
    {
        var options = new Dictionary<string, ProviderOptions>(StringComparer.OrdinalIgnoreCase);
        var adapters = new Dictionary<string, IProviderAdapter>(StringComparer.OrdinalIgnoreCase);
        var descriptors = new List<ProviderDescriptor>();
        foreach (var provider in providers)
        {
            var name = provider.Name.ToLowerInvariant();
            options[name] = provider;
            string? unavailable = null;
            try
            {
                adapters[name] = ProviderAdapterFactory.Create(provider, http, timeProvider, environment);
                unavailable = provider.MissingKeyReason(environment);
            }
            catch (ArgumentException ex)
            {
                unavailable = $"not configured: {ex.Message}";
            }

            var models = provider.Models
                .Concat(capabilities?.Models.Where(m => m.Provider == name).Select(m => m.Model) ?? [])
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToList();
            // Which APIs a provider offers beyond chat is not modelled per provider; routing filters by model mode.
            var supports = GenerationTypes.All;
            descriptors.Add(new ProviderDescriptor
            {
                Name = name,
                PricingProviderId = provider.PricingProviderId,
                Backup = provider.Backup?.ToLowerInvariant(),
                Models = models,
                Supports = supports,
                UnavailableReason = unavailable,
            });
        }

        return new ProviderSet(options, adapters, descriptors);
    }

    public IProviderAdapter? Adapter(string provider) => _adapters.GetValueOrDefault(provider);

    public ProviderOptions? OptionsFor(string provider) => _options.GetValueOrDefault(provider);
}
