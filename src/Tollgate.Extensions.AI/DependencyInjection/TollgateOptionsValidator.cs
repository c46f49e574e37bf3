using Microsoft.Extensions.Options;
using Tollgate.Storage;

namespace Tollgate.Extensions.AI;

/// <summary>Checks <see cref="TollgateOptions"/> at start; every failure says which setting to fix.</summary>
public sealed class TollgateOptionsValidator : IValidateOptions<TollgateOptions>
{
    public ValidateOptionsResult Validate(string? name, TollgateOptions options)
    {
        var errors = new List<string>();
        if (!StoreLocation.TryParse(options.Store, out _, out var storeError))
        {
            errors.Add($"Tollgate:Store: {storeError}");
        }

        if (options.Redis is { } redis && string.IsNullOrWhiteSpace(redis))
        {
            errors.Add("Tollgate:Redis is blank: set host:port, or leave it null to keep budget counters in the store");
        }

        if (string.IsNullOrWhiteSpace(options.RedisPrefix))
        {
            errors.Add("Tollgate:RedisPrefix must not be empty (use the gateway's prefix, default \"tollgate\")");
        }

        if (options.Pricing is null)
        {
            errors.Add("Tollgate:Pricing must not be null");
        }
        else
        {
            errors.AddRange(options.Pricing.Validate().Select(e => "Tollgate:Pricing: " + e));
            if (!string.Equals(options.Pricing.Currency, "USD", StringComparison.Ordinal))
            {
                // Budgets convert to their own currency and the ledger is kept in USD: the engine must price in USD.
                errors.Add($"Tollgate:Pricing:Currency is {options.Pricing.Currency}: keep USD (set a budget's Currency to limit it in {options.Pricing.Currency})");
            }
        }

        AddThrown(errors, "Tollgate:Budgets", () => options.Budgets.Validate());
        AddThrown(errors, "Tollgate:Ledger", () => options.Ledger.Validate());
        foreach (var budget in options.SeedBudgets)
        {
            errors.AddRange(budget.Validate(options.Budgets is null ? null : options.BudgetExchangeRates()).Select(e => $"Tollgate:SeedBudgets '{budget.Id}': {e}"));
        }

        if (options.SeedBudgets.GroupBy(b => b.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            errors.Add($"Tollgate:SeedBudgets lists budget '{duplicate.Key}' twice");
        }

        if (options.Client is null)
        {
            errors.Add("Tollgate:Client must not be null");
        }
        else
        {
            errors.AddRange(options.Client.Validate().Select(e => "Tollgate:Client: " + e));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void AddThrown(List<string> errors, string section, Action validate)
    {
        try
        {
            validate();
        }
        catch (NullReferenceException)
        {
            errors.Add($"{section} must not be null");
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{section}: {ex.Message}");
        }
    }
}
