using Tollgate.Gateway.Configuration;
using Tollgate.Providers.Configuration;

namespace Tollgate.Gateway.Tests.Operations;

/// <summary><c>tollgate serve</c> and the providers/route commands read one <c>tollgate.json</c>.</summary>
public sealed class SharedConfigurationTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "tg-config-" + Guid.NewGuid().ToString("N") + ".json");

    [Fact]
    public void Load_FileWithRoutingSectionAndProviderExtras_GatewayAndRouterBothReadIt()
    {
        File.WriteAllText(_file, """
            {
              "port": 4100,
              "providers": [
                { "name": "openai", "baseUrl": "http://127.0.0.1:18080/v1", "apiKey": "sk-test", "backup": "azure",
                  "timeoutSeconds": 30, "headers": { "x-team": "blue" }, "modelNames": { "fast": "gpt-4o-mini" } },
                { "name": "azure", "baseUrl": "https://example.openai.azure.com", "apiKey": "az-test", "apiVersion": "2024-10-21",
                  "deployments": { "gpt-4o": "prod-4o" } }
              ],
              "routing": { "weights": { "cost": 0.5, "latency": 0.2, "quality": 0.3 }, "minConfidence": 0.4 }
            }
            """);

        var gateway = GatewayConfiguration.Load(_file, environment: _ => null);
        var router = ProvidersConfiguration.Load(_file);

        Assert.Equal(4100, gateway.Port);
        var openai = Assert.Single(gateway.Providers, p => p.Name == "openai");
        Assert.Equal("azure", openai.Backup);
        Assert.Equal(30, openai.TimeoutSeconds);
        Assert.Equal("blue", openai.Headers["x-team"]);
        Assert.Equal("gpt-4o-mini", openai.ModelNames["fast"]);
        var azure = Assert.Single(gateway.Providers, p => p.Name == "azure");
        Assert.Equal("2024-10-21", azure.ApiVersion);
        Assert.Equal("prod-4o", azure.Deployments["gpt-4o"]);
        Assert.Equal(0.4, router.Routing.MinimumConfidence, 3);
        Assert.Equal(0.5, router.Routing.CostWeight, 3);
    }

    [Fact]
    public void Load_UnknownTopLevelSetting_StillRefusedWithTheName()
    {
        File.WriteAllText(_file, """{ "port": 4100, "routng": { "minConfidence": 0.4 } }""");

        var error = Assert.Throws<GatewayConfigurationException>(() => GatewayConfiguration.Load(_file, environment: _ => null));

        Assert.Contains("routng", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(_file);
}
