using Tollgate.Alerts;
using Tollgate.Alerts.Responses;
using Tollgate.Anomalies.Live;
using Tollgate.Gateway.Configuration;

namespace Tollgate.Gateway.Tests.Alerting;

/// <summary>The <c>alerts</c> section read from tollgate.json, and its mistakes refused at start with what to fix.</summary>
public sealed class AlertsConfigurationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Write(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), "tg-alerts-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Load_AlertsSection_ChannelsRulesAndForecast()
    {
        var options = GatewayConfiguration.Load(Write("""
            {"alerts": {
              "channels": [
                {"name": "slack", "type": "webhook", "url": "http://127.0.0.1:9/hook", "format": "json", "minSeverity": "warning", "kinds": ["anomaly", "usage_*"]},
                {"name": "mail", "type": "smtp", "host": "smtp.example.com", "port": 465, "security": "tls", "username": "u", "passwordEnv": "SMTP_PW", "from": "a@example.com", "to": ["b@example.com"]}
              ],
              "anomalies": {"intervalSeconds": 5, "rules": [
                {"name": "spike", "kind": "costSpike", "dimension": "tenant", "windowSeconds": 600, "factor": 4, "minImpact": 2.5, "response": "throttle", "throttleRpm": 20}
              ]},
              "forecast": {"quantile": "p90", "intervalSeconds": 60}
            }}
            """));

        var alerts = options.Alerts;
        Assert.Equal((WebhookFormat.Json, AlertSeverity.Warning, 2), (alerts.Channels[0].Format, alerts.Channels[0].MinSeverity, alerts.Channels[0].Kinds.Count));
        Assert.Equal((SmtpSecurity.Tls, 465, "SMTP_PW"), (alerts.Channels[1].Security, alerts.Channels[1].Port, alerts.Channels[1].PasswordEnv));
        var rule = Assert.Single(alerts.Anomalies.Rules);
        Assert.Equal((AnomalyRuleKind.CostSpike, 4d, 2.5m, ResponseAction.Throttle, 20), (rule.Kind, rule.Factor, rule.MinImpact, rule.Response, rule.ThrottleRpm));
        Assert.Equal(("p90", 5d), (alerts.Forecast.Quantile, alerts.Anomalies.IntervalSeconds));
    }

    [Fact]
    public void Load_UnknownAlertsField_RefusedNamingIt()
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => GatewayConfiguration.Load(Write("""{"alerts": {"chanels": []}}""")));
        Assert.Contains("chanels", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("""{"name": "x", "type": "pager"}""", "alerts.channels 'x': type must be webhook, smtp or log")]
    [InlineData("""{"name": "x", "type": "webhook", "url": "ftp://nope"}""", "alerts.channels 'x': webhook Url must be an absolute http(s) URL")]
    [InlineData("""{"name": "x", "type": "smtp", "host": "h", "from": "a@b.c", "to": ["d@e.f"], "passwordEnv": "TG_TEST_UNSET_PASSWORD_VARIABLE"}""", "passwordEnv TG_TEST_UNSET_PASSWORD_VARIABLE is not set")]
    public async Task Start_BadChannel_RefusedWithWhatToFix(string channel, string expected)
    {
        var options = GatewayConfiguration.Load(Write("{\"alerts\": {\"channels\": [" + channel + "]}}"));
        options.Store = "memory";
        options.Port = 0;
        options.AdminKey = "test-admin-key-0123456789abcdef";

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => GatewayHost.StartAsync(options, cancellationToken: Ct));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ThrottleRuleOnModel_RefusedWithWhatToFix()
    {
        var options = new GatewayOptions
        {
            Store = "memory",
            Port = 0,
            AdminKey = "test-admin-key-0123456789abcdef",
            Alerts = new AlertsOptions { Anomalies = new AnomalyAlertOptions { Rules = [new AnomalyRule { Name = "m", Dimension = "model", Response = ResponseAction.Throttle }] } },
        };

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => GatewayHost.StartAsync(options, cancellationToken: Ct));
        Assert.Contains("alerts.anomalies.rules 'm': a throttle response needs dimension tenant, project or key", error.Message, StringComparison.Ordinal);
    }
}
