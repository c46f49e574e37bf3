using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Demo;
using Tollgate.Gateway.Forwarding;
using Tollgate.Providers;

namespace Tollgate.Gateway;

/// <summary>The upstream endpoints the gateway forwards to, built from the configured providers, the environment's keys and demo mode.</summary>
internal static class ProviderEndpoints
{
    /// <summary>One endpoint per enabled configured provider, then per provider whose key is in the environment, then the demo providers.</summary>
    internal static List<UpstreamEndpoint> Build(GatewayOptions options, GatewayHostSettings settings, UpstreamClient client, HttpClient adapterHttp, List<IDisposable> owned, out List<string> notes)
    {
        notes = [];
        var env = settings.Environment;
        var endpoints = new List<UpstreamEndpoint>();
        foreach (var p in options.Providers.Where(p => p.Enabled))
        {
            var provider = ProviderPresets.Get(p.Name) ?? new ProviderOptions { Name = p.Name.ToLowerInvariant(), PricingProviderId = p.Name.ToLowerInvariant() };
            provider.Name = provider.Name.ToLowerInvariant();
            if (p.Format is { Length: > 0 } format)
            {
                provider.Api = format.ToLowerInvariant() switch
                {
                    "anthropic" => ProviderApi.Anthropic,
                    "gemini" or "google" => ProviderApi.Gemini,
                    _ => ProviderApi.OpenAICompatible,
                };
            }

            if (p.BaseUrl is { Length: > 0 } baseUrl)
            {
                provider.BaseUrl = new Uri(baseUrl);
            }

            if (p.ApiKeyEnv is { Length: > 0 } variable)
            {
                provider.ApiKeyEnvironmentVariable = variable;
            }

            if (p.ApiKey is { Length: > 0 } key)
            {
                provider.ApiKey = key;
            }

            provider.RequiresApiKey = provider.RequiresApiKey && !p.AllowMissingKey;
            provider.Backup = p.Backup ?? provider.Backup;
            provider.ApiVersion = p.ApiVersion ?? provider.ApiVersion;
            provider.PricingProviderId = p.PricingProvider ?? provider.PricingProviderId;
            provider.Timeout = p.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : provider.Timeout;
            provider.ConnectTimeout = p.ConnectTimeoutSeconds is { } connect ? TimeSpan.FromSeconds(connect) : provider.ConnectTimeout;
            provider.IdleTimeout = p.IdleTimeoutSeconds is { } idle ? TimeSpan.FromSeconds(idle) : provider.IdleTimeout;
            provider.TotalTimeout = p.TotalTimeoutSeconds is { } total ? TimeSpan.FromSeconds(total) : provider.TotalTimeout;
            provider.DefaultMaxTokens = p.DefaultMaxTokens ?? provider.DefaultMaxTokens;
            foreach (var (model, deployment) in p.Deployments)
            {
                provider.Deployments[model] = deployment;
            }

            foreach (var (model, upstreamName) in p.ModelNames)
            {
                provider.ModelNames[model] = upstreamName;
            }

            foreach (var (header, value) in p.Headers)
            {
                provider.Headers[header] = value;
            }

            foreach (var model in p.Models)
            {
                provider.Models.Add(model);
            }

            var resolvedKey = provider.ResolveApiKey(env);
            if (resolvedKey is not null && provider.ApiKey is null)
            {
                provider.ApiKey = resolvedKey;
            }

            var source = provider.ApiKey is null ? "config, no key" : p.ApiKey is not null ? "config, key in config" : $"config, key from {provider.ApiKeyEnvironmentVariable}";
            endpoints.Add(Create(provider, client, adapterHttp, settings, source));
        }

        if (options.ProvidersFromEnvironment)
        {
            foreach (var preset in ProviderPresets.All())
            {
                if (endpoints.Any(e => e.Name == preset.Name) || preset.BaseUrl is null || !preset.RequiresApiKey ||
                    preset.ApiKeyEnvironmentVariable is null || env(preset.ApiKeyEnvironmentVariable) is not { Length: > 0 } apiKey)
                {
                    continue;
                }

                preset.ApiKey = apiKey;
                endpoints.Add(Create(preset, client, adapterHttp, settings, $"key from {preset.ApiKeyEnvironmentVariable}"));
            }
        }

        if (options.Demo)
        {
            // One simulated provider per wire format, each priced as the provider whose models it plays; the adapter
            // (OpenAI-format calls to Anthropic models) reaches the simulation through the same in-process handler.
            var demoHttp = new HttpClient(new DemoUpstreamHandler(settings.Time), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            owned.Add(demoHttp);
            foreach (var (name, api, baseUrl, pricedAs, models) in new[]
            {
                ("demo", ProviderApi.OpenAICompatible, $"http://{DemoUpstreamHandler.Host}/v1", "openai", DemoUpstreamHandler.Models),
                ("demo-anthropic", ProviderApi.Anthropic, $"http://{DemoUpstreamHandler.Host}", "anthropic", DemoUpstreamHandler.AnthropicModels),
            })
            {
                var demoOptions = new ProviderOptions
                {
                    Name = name,
                    Api = api,
                    BaseUrl = new Uri(baseUrl),
                    RequiresApiKey = false,
                    PricingProviderId = pricedAs,
                };
                foreach (var model in models)
                {
                    demoOptions.Models.Add(model);
                }

                endpoints.Add(new UpstreamEndpoint(demoOptions, ProviderAdapterFactory.Create(demoOptions, demoHttp, settings.Time, settings.Environment), demoHttp, $"built-in simulation, priced as {pricedAs}") { IsDemo = true });
            }

            notes.Add("demo mode: models " + string.Join(", ", DemoUpstreamHandler.Models.Concat(DemoUpstreamHandler.AnthropicModels)) +
                      " answer from a simulated provider (priced at OpenAI's and Anthropic's prices; no money spent)");
        }

        return endpoints;
    }

    private static UpstreamEndpoint Create(ProviderOptions provider, UpstreamClient client, HttpClient adapterHttp, GatewayHostSettings settings, string source)
    {
        try
        {
            var adapter = ProviderAdapterFactory.Create(provider, adapterHttp, settings.Time, settings.Environment);
            return new UpstreamEndpoint(provider, adapter, client.Invoker, source);
        }
        catch (ArgumentException ex)
        {
            throw new GatewayConfigurationException($"provider '{provider.Name}': {ex.Message.Split(" (Parameter")[0]}");
        }
    }
}
