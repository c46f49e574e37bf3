using Tollgate.Gateway.Configuration;
using Tollgate.Pricing;

namespace Tollgate.Gateway;

/// <summary>The cost engine the gateway prices with: the built-in catalog, or a catalog source for override files and a catalog URL.</summary>
internal static class GatewayPricing
{
    /// <summary>The built-in catalog with the configured discounts, or a catalog source when override files or a catalog URL are set.</summary>
    internal static CostEngine Create(PricingOptions pricing, TimeProvider time, List<IDisposable> owned)
    {
        if (pricing.OverrideFiles.Count == 0 && pricing.CatalogUrl is null)
        {
            return new CostEngine(PriceCatalog.BuiltIn, pricing);
        }

        try
        {
            var source = new PriceCatalogSource(pricing, time);
            owned.Add(source);
            if (pricing.CatalogUrl is not null)
            {
                source.Start();
            }

            return new CostEngine(source, pricing);
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            throw new GatewayConfigurationException($"pricing: {ex.Message}");
        }
    }
}
