using Microsoft.Extensions.Options;

namespace Tollgate.Pricing;

/// <summary>Validates <see cref="PricingOptions"/> at startup when bound through Microsoft.Extensions.Options.</summary>
public sealed class PricingOptionsValidator : IValidateOptions<PricingOptions>
{
    public ValidateOptionsResult Validate(string? name, PricingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
