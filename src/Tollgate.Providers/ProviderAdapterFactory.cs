using Tollgate.Providers.Anthropic;
using Tollgate.Providers.Gemini;
using Tollgate.Providers.OpenAICompatible;

namespace Tollgate.Providers;

/// <summary>Creates the adapter for a provider's <see cref="ProviderOptions.Api"/>.</summary>
public static class ProviderAdapterFactory
{
    /// <summary>
    /// An adapter for <paramref name="options"/> (validated: throws <see cref="ArgumentException"/> naming the setting to fix).
    /// <paramref name="http"/> is shared and not disposed; <paramref name="environment"/> reads key variables (default: the process environment).
    /// </summary>
    public static IProviderAdapter Create(ProviderOptions options, HttpClient http, TimeProvider? timeProvider = null, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        var time = timeProvider ?? TimeProvider.System;
        return options.Api switch
        {
            ProviderApi.OpenAICompatible or ProviderApi.AzureOpenAI => new OpenAICompatibleAdapter(options, http, time, environment),
            ProviderApi.Anthropic => new AnthropicAdapter(options, http, time, environment),
            ProviderApi.Gemini => new GeminiAdapter(options, http, time, environment),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Api, "unknown provider API"),
        };
    }
}
