using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Metering;
using Tollgate.Pricing;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>
/// The money side of an in-process call, shared by the chat client and the embedding generator: resolve who pays,
/// count the prompt, price and hold the worst case (refuse or adapt as the budget decides), then price what the
/// provider reported — or what was counted — settle the hold and record exactly one ledger record.
/// </summary>
internal sealed class CallMeter
{
    private readonly TollgateEngine _engine;
    private readonly TollgateChatClientOptions _options;
    private readonly ILogger _logger;
    private readonly string? _provider;
    private readonly string? _metadataModel;
    private readonly ConcurrentDictionary<string, ModelFacts> _models = new(StringComparer.Ordinal);
    private readonly ChatTokenCounter _counter = PromptCounter.SharedCounter;
    private ModelFacts? _lastFacts;
    private CachedSubject? _lastSubject;

    public CallMeter(TollgateEngine engine, TollgateChatClientOptions options, string? metadataProvider, string? metadataModel)
    {
        _engine = engine;
        _options = options.EnsureValid();
        _logger = engine.LoggerFactory.CreateLogger("Tollgate.Extensions.AI");
        _provider = options.Provider ?? (string.IsNullOrWhiteSpace(metadataProvider) ? null : metadataProvider);
        _metadataModel = metadataModel;
    }

    public TollgateEngine Engine => _engine;

    /// <summary>Holds the worst case of a chat call; returns the call and the options to send (never the caller's instance when changed).</summary>
    public async ValueTask<(MeteredCall Call, ChatOptions? Options)> BeginChatAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        await _engine.InitializeAsync(cancellationToken);
        var scope = TollgateScope.Current;
        var attribution = ResolveAttribution(scope, options?.AdditionalProperties, out var requestId);
        var provider = RequireProvider();
        var model = RequireModel(options?.ModelId);
        var facts = FactsFor(provider, model);
        var count = PromptCounter.CountChat(_counter, facts.Rules, messages, options);
        var toolTokens = count.ToolTokens;
        var promptTokens = count.Total - toolTokens;
        var maxTokens = options?.MaxOutputTokens is { } asked and > 0 ? asked : DefaultMaxOutputTokens(facts, count.Total);
        var choices = ChoicesOf(options?.AdditionalProperties);
        var startedAt = _engine.Time.GetUtcNow();

        // As in the gateway: the max output is per completion, and each of the n completions is billed.
        var shape = new BudgetRequestShape
        {
            Model = TimesChoices(PriceShape(provider, facts, promptTokens, toolTokens, startedAt, out var unpriced), choices),
            MaxTokens = maxTokens,
            HasTools = toolTokens > 0,
            Temperature = options?.Temperature,
            Fallback = _options.FallbackModel is { } fallback && !string.Equals(fallback, model, StringComparison.Ordinal)
                ? TimesChoices(PriceShape(provider, FactsFor(provider, fallback), promptTokens, toolTokens, startedAt), choices)
                : null,
        };

        // Awaited here rather than in a helper: one state machine per call, and none when the gate answers at once.
        var decision = Checked(unpriced
            ? await BudgetAdmission.ReserveAsync(_engine.Budgets, SubjectFor(attribution, provider, model), null, requestId, shape, RefuseUnpriced, UnpricedFix, cancellationToken)
            : await _engine.Budgets.ReserveAsync(SubjectFor(attribution, provider, model), shape.WorstCase, requestId, shape, cancellationToken), requestId);

        // The held maximum is sent only when it is one a provider accepts: configured, or the model's own maximum output.
        // A bound from the context window or the unknown-model default is held but not sent (the provider caps below it).
        var sendable = _options.DefaultMaxOutputTokens is not null || facts.ModelMaxOutput is > 0;
        var sent = AdaptOptions(options, decision, model, maxTokens, sendable);
        var sentModel = decision.Adaptation?.Model ?? model;
        var call = new MeteredCall
        {
            RequestId = requestId,
            ApiFlavor = "chat",
            Provider = provider,
            Model = sentModel,
            Attribution = attribution,
            Scope = scope,
            Tokenizer = ReferenceEquals(sentModel, model) ? facts.Tokenizer : FactsFor(provider, sentModel).Tokenizer,
            PromptTokens = promptTokens + (decision.Adaptation?.DropTools == true ? 0 : toolTokens),
            WorstCaseOutputTokens = OutputBound.Total(decision.Adaptation?.MaxTokens ?? maxTokens, choices),
            Decision = decision,
            StartedAt = startedAt,
            Fingerprint = _options.RequestFingerprints ? MessageFingerprint.Chat(messages, options, model, facts.Tokenizer) : null,
        };
        return (call, sent);
    }

    /// <summary>Holds the worst case of an embedding call (its input: embeddings produce no output tokens).</summary>
    public async ValueTask<(MeteredCall Call, EmbeddingGenerationOptions? Options)> BeginEmbeddingAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options, CancellationToken cancellationToken)
    {
        await _engine.InitializeAsync(cancellationToken);
        var scope = TollgateScope.Current;
        var attribution = ResolveAttribution(scope, options?.AdditionalProperties, out var requestId);
        var provider = RequireProvider();
        var model = RequireModel(options?.ModelId);
        var facts = FactsFor(provider, model);
        var tokenizer = facts.Tokenizer;
        var inputTokens = PromptCounter.CountValues(tokenizer, values);
        var startedAt = _engine.Time.GetUtcNow();
        var priced = PriceShape(provider, facts, inputTokens, 0, startedAt, out var unpriced);

        var decision = Checked(await BudgetAdmission.ReserveAsync(_engine.Budgets, SubjectFor(attribution, provider, model), unpriced ? null : priced.InputCost, requestId, null, RefuseUnpriced, UnpricedFix, cancellationToken), requestId);

        var sent = options;
        if (PropertyAttribution.HasTollgateKeys(options?.AdditionalProperties))
        {
            sent = options!.Clone();
            sent.AdditionalProperties = PropertyAttribution.WithoutTollgateKeys(options.AdditionalProperties!);
        }

        var call = new MeteredCall
        {
            RequestId = requestId,
            ApiFlavor = "embeddings",
            Provider = provider,
            Model = model,
            Attribution = attribution,
            Scope = scope,
            Tokenizer = tokenizer,
            PromptTokens = inputTokens,
            Decision = decision,
            StartedAt = startedAt,
            Fingerprint = _options.RequestFingerprints ? MessageFingerprint.Embeddings(values, options, model, tokenizer) : null,
        };
        return (call, sent);
    }

    /// <summary>
    /// Prices <paramref name="usage"/>, settles the hold to it and records the call — once; later calls for the same
    /// call do nothing. Never throws for a store problem (logged): the caller's answer is already paid for. A
    /// <paramref name="usageProblem"/> (why the provider's usage was not billed, see <see cref="UsageCheck"/>) is recorded
    /// as the error class of a call that succeeded, and alerted.
    /// </summary>
    public async ValueTask<UsageRecord?> SettleAsync(
        MeteredCall call, Usage usage, bool estimated, string? responseModel, string? errorClass = null, string? usageProblem = null)
    {
        if (!call.TryMarkSettled())
        {
            return null;
        }

        if (usageProblem is not null)
        {
            ReportUsageProblem(call, usageProblem);
        }

        var success = errorClass is null;
        if (success && !usage.IsReported(UsageUnit.Requests))
        {
            usage.Requests = 1;
        }

        var (model, cost) = Price(call, usage, responseModel);
        if (call.Decision.Reservation is { } reservation)
        {
            try
            {
                await _engine.Budgets.SettleAsync(reservation, cost.Priced ? cost.TotalCost : 0m, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The hold lapses on its own after its TTL; the spend is still in the ledger for a recount.
                _logger.LogError(ex, "request {RequestId}: settling the budget hold failed", call.RequestId);
            }
        }

        if (!cost.Priced)
        {
            _logger.LogWarning("request {RequestId}: {Provider}/{Model} is unpriced: {Reason}", call.RequestId, call.Provider, model, cost.UnpricedReason);
        }

        // Built once with its costs (not through UsageRecord.WithCost, which copies the record).

        var attribution = call.Attribution;
        var record = new UsageRecord
        {
            RequestId = call.RequestId,
            Timestamp = call.StartedAt,
            Provider = call.Provider,
            Model = model,
            ApiFlavor = call.ApiFlavor,
            Tenant = attribution.Tenant,
            Project = attribution.Project,
            User = attribution.User,
            KeyId = _options.KeyId,
            SessionId = attribution.Session,
            Tags = attribution.Tags,
            RequestFingerprint = call.Fingerprint?.Request,
            PrefixFingerprint = call.Fingerprint?.Prefix,
            PrefixTokens = call.Fingerprint?.PrefixTokens ?? 0,
            Usage = usage,
            // From the start time already read rather than a second (monotonic) clock read per call; a wall clock
            // stepped back meanwhile gives 0, not a negative latency.
            LatencyMs = Math.Max(0, (long)(_engine.Time.GetUtcNow() - call.StartedAt).TotalMilliseconds),
            Success = success,
            ErrorClass = errorClass ?? usageProblem,
            Estimated = estimated,
            Currency = cost.Currency,
            InputCost = cost.InputCost,
            OutputCost = cost.OutputCost,
            TotalCost = cost.TotalCost,
            PriceSource = cost.PriceSource,
            Unpriced = !cost.Priced,
        };

        // Queued, not awaited to durability: the writer stores it in its next batch (FlushAsync waits for that).
        await _engine.RecordAsync(record, CancellationToken.None);
        call.Scope?.Add(record);
        return record;
    }

    /// <summary>Gives back the hold of a call that failed before the provider billed anything we know of, and records the failure.</summary>
    public ValueTask<UsageRecord?> FailAsync(MeteredCall call, Exception error) =>
        SettleAsync(call, new Usage(), estimated: false, responseModel: null, ErrorClassOf(error));

    /// <summary>The usage of a call whose provider reported none (or was cut off): counted prompt, counted output; estimated.</summary>
    public static Usage CountedUsage(MeteredCall call, UsageDetails? partial, long countedOutputTokens)
    {
        var usage = UsageDetailsMapper.ToUsage(partial);
        if (partial?.InputTokenCount is null)
        {
            usage.InputTokens = call.PromptTokens;
        }

        usage.OutputTokens = Math.Max(usage.OutputTokens, countedOutputTokens);
        return usage;
    }

    public static string ErrorClassOf(Exception error) => error switch
    {
        OperationCanceledException => "cancelled",
        TimeoutException => "timeout",
        HttpRequestException { StatusCode: { } status } => $"http_{(int)status}",
        HttpRequestException => "http_error",
        _ => error.GetType().Name,
    };

    private (string Model, SettledCost Cost) Price(MeteredCall call, Usage usage, string? responseModel)
    {
        // The response names the exact snapshot served (e.g. gpt-4o-2024-08-06); price that when the catalog knows it.
        if (!string.IsNullOrEmpty(responseModel) && !string.Equals(responseModel, call.Model, StringComparison.Ordinal))
        {
            var exact = Cost(call.Provider, responseModel, usage, call.StartedAt);
            if (exact.Priced)
            {
                return (responseModel, exact);
            }
        }

        return (call.Model, Cost(call.Provider, call.Model, usage, call.StartedAt));
    }

    /// <summary>
    /// The cost of a call, priced as the gateway prices it so both doors record the same amount for the same usage:
    /// a catalog model through its resolved price in force at the call's time (allocation-free); anything else
    /// (fallback prices, the unpriced reason, another calculator) through the calculator.
    /// </summary>
    private SettledCost Cost(string provider, string model, Usage usage, DateTimeOffset at)
    {
        if (_engine.Calculator is CostEngine costEngine && Lookup(costEngine, FactsFor(provider, model)) is { Found: true } lookup)
        {
            var cost = lookup.ComputeCost(usage, at);
            if (cost.Priced)
            {
                return new SettledCost(true, "USD", cost.InputCost, cost.OutputCost, cost.TotalCost, lookup.PriceSource, null);
            }
        }

        var calculated = _engine.Calculator.Calculate(provider, model, usage, at);
        return new SettledCost(
            calculated.Priced, calculated.Currency, calculated.InputCost, calculated.OutputCost, calculated.TotalCost, calculated.PriceSource, calculated.UnpricedReason);
    }

    /// <summary>The gate's decision when it allows the call (its warnings logged); throws the refusal.</summary>
    private BudgetDecision Checked(BudgetDecision decision, string requestId)
    {
        if (!decision.Allowed)
        {
            throw new TollgateBudgetExceededException(decision);
        }

        var warnings = decision.Warnings;
        for (var i = 0; i < warnings.Count; i++)
        {
            _logger.LogWarning("request {RequestId}: {Warning}", requestId, warnings[i]);
        }

        return decision;
    }

    /// <summary>
    /// The budget subject of a call. Immutable, so the common case — the client's own attribution for one model —
    /// reuses one instance instead of building it per call.
    /// </summary>
    private BudgetSubject SubjectFor(TollgateAttribution attribution, string provider, string model)
    {
        if (_lastSubject is { } last && ReferenceEquals(last.Attribution, attribution)
            && ReferenceEquals(last.Subject.Model, model) && ReferenceEquals(last.Subject.Provider, provider))
        {
            return last.Subject;
        }

        var subject = new BudgetSubject
        {
            Tenant = attribution.Tenant,
            Project = attribution.Project,
            User = attribution.User,
            KeyId = _options.KeyId,
            Provider = provider,
            Model = model,
        };
        _lastSubject = new CachedSubject(attribution, subject);
        return subject;
    }

    /// <summary>What a refused unpriced call is told to do.</summary>
    private const string UnpricedFix = "give the model a price (PricingOptions.FallbackPrices or a price override file) or set TollgateChatClientOptions.UnpricedModels = Allow.";

    /// <summary>Under <see cref="UnpricedModelPolicy.RefuseUnderEnforcedBudget"/> an unpriced model under an enforcing budget is refused (<see cref="BudgetAdmission"/>).</summary>
    private bool RefuseUnpriced => _options.UnpricedModels == UnpricedModelPolicy.RefuseUnderEnforcedBudget;

    /// <summary>Why the usage the provider reported cannot be billed as it stands (<see cref="UsageCheck"/>); null when it can.</summary>
    public static string? UsageProblem(MeteredCall call, UsageDetails? reported) =>
        UsageCheck.Default.Problem(UsageDetailsMapper.ToUsage(reported), UsageDetailsMapper.IsMalformed(reported), call.WorstCaseOutputTokens);

    private void ReportUsageProblem(MeteredCall call, string problem)
    {
        var alert = UsageCheck.AlertFor(problem, call.RequestId, call.Provider, call.Model, _engine.Time.GetUtcNow());
        _logger.LogWarning("{Message}", alert.Message);
        if (_engine.Alerts is { } alerts)
        {
            _ = DispatchAsync(alerts, alert);
        }
    }

    private async Task DispatchAsync(Alerts.AlertDispatcher alerts, Alerts.Alert alert)
    {
        try
        {
            await alerts.DispatchAsync(alert, CancellationToken.None);
        }
        catch (Exception ex)
        {
            _logger.LogError("alert '{Kind}' could not be delivered: {Error}", alert.Kind, ex.Message);
        }
    }

    /// <summary>
    /// How many completions the request asks for: <c>n</c> in <see cref="ChatOptions.AdditionalProperties"/> (how
    /// M.E.AI carries provider options it has no property for), 1 when absent. Anything but a whole number from 1 to
    /// <see cref="OutputBound.MaxChoices"/> is refused, as the gateway refuses it, never clamped.
    /// </summary>
    internal static int ChoicesOf(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null || !properties.TryGetValue("n", out var value) || value is null)
        {
            return 1;
        }

        long? n = value switch
        {
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Number } e when e.TryGetInt64(out var l) => l,
            _ => null,
        };
        return n is >= 1 and <= OutputBound.MaxChoices
            ? (int)n.Value
            : throw new ArgumentException(
                $"ChatOptions.AdditionalProperties[\"n\"] must be a whole number from 1 to {OutputBound.MaxChoices} (completions to generate); got '{value}'.", nameof(properties));
    }

    private static ModelCostShape TimesChoices(ModelCostShape shape, int choices) =>
        choices == 1 ? shape : shape with { OutputCostPerToken = shape.OutputCostPerToken * choices };

    /// <summary>The output held (and sent) for a call that sets none: the configured default, else <see cref="OutputBound"/>'s rule.</summary>
    private int DefaultMaxOutputTokens(ModelFacts facts, long promptTokens) =>
        _options.DefaultMaxOutputTokens ?? (int)Math.Min(int.MaxValue, OutputBound.PerChoice(null, facts.ModelMaxOutput, facts.ContextWindow, promptTokens));

    private sealed record CachedSubject(TollgateAttribution Attribution, BudgetSubject Subject);

    /// <summary>
    /// The options to send: the caller's instance when nothing changes, otherwise a clone with the budget's
    /// adaptation applied, the hold's max output made explicit, and the <c>tollgate.*</c> keys removed.
    /// </summary>
    private static ChatOptions? AdaptOptions(ChatOptions? options, BudgetDecision decision, string model, int maxTokens, bool sendable)
    {
        var adaptation = decision.Adaptation;
        var stripKeys = PropertyAttribution.HasTollgateKeys(options?.AdditionalProperties);
        // With a budget in force and no max set, the provider's default could exceed what was held: send the held max.
        var boundOutput = sendable && options?.MaxOutputTokens is null && decision.Reservation is { Lines.Count: > 0 };
        if (adaptation is null && !stripKeys && !boundOutput)
        {
            return options;
        }

        var sent = options?.Clone() ?? new ChatOptions();
        if (stripKeys)
        {
            sent.AdditionalProperties = PropertyAttribution.WithoutTollgateKeys(options!.AdditionalProperties!);
        }

        if (boundOutput)
        {
            sent.MaxOutputTokens = maxTokens;
        }

        if (adaptation is not null)
        {
            sent.MaxOutputTokens = adaptation.MaxTokens;
            if (!string.Equals(adaptation.Model, model, StringComparison.Ordinal))
            {
                sent.ModelId = adaptation.Model;
            }

            if (adaptation.DropTools)
            {
                sent.Tools = null;
                sent.ToolMode = null;
            }

            if (adaptation.Temperature is { } temperature)
            {
                sent.Temperature = temperature;
            }
        }

        return sent;
    }

    /// <summary>What the model would charge for this prompt: input, tools' share, and per output token (USD).</summary>
    internal ModelCostShape PriceShape(string provider, ModelFacts facts, long promptTokens, long toolTokens, DateTimeOffset at) =>
        PriceShape(provider, facts, promptTokens, toolTokens, at, out _);

    /// <summary>As <see cref="PriceShape(string, ModelFacts, long, long, DateTimeOffset)"/>; also says whether no price covers the model (the shape is then all zero).</summary>
    internal ModelCostShape PriceShape(string provider, ModelFacts facts, long promptTokens, long toolTokens, DateTimeOffset at, out bool unpriced)
    {
        unpriced = false;
        var model = facts.Model;
        if (_engine.Calculator is CostEngine costEngine && Lookup(costEngine, facts) is { Found: true } lookup
            && lookup.PriceAt(at) is { } price)
        {
            // The hot path: the price in force's per-token rates, derived once per price (see HoldRates). List
            // prices (before negotiated discounts) only make the hold larger, never smaller, than the settled cost.
            var rates = facts.Rates;
            if (rates is null || !ReferenceEquals(rates.Price, price))
            {
                rates = HoldRates.For(price);
                facts.Rates = rates;
            }

            if (rates.IsLinear)
            {
                return new ModelCostShape(provider, model, rates.InputCostOf(promptTokens), rates.OutputPerToken)
                {
                    ToolsInputCost = toolTokens == 0 ? 0m : toolTokens * rates.InputPerToken,
                };
            }

            if (HoldRates.ShapeByComputing(lookup, provider, model, promptTokens, toolTokens, at) is { } computed)
            {
                return computed;
            }
        }

        // Any other calculator, or a model only an explicit fallback price covers: ask the calculator.
        const long PerMillion = 1_000_000;
        var calculator = _engine.Calculator;
        var input = calculator.Calculate(provider, model, new Usage { InputTokens = promptTokens, Requests = 1 }, at);
        if (!input.Priced)
        {
            // Unknown model: nothing to hold (refused under an enforcing budget unless the policy allows it; the
            // record is marked unpriced and a warning is logged at settlement).
            unpriced = true;
            return new ModelCostShape(provider, model, 0m, 0m);
        }

        var output = calculator.Calculate(provider, model, new Usage { InputTokens = promptTokens, OutputTokens = PerMillion, Requests = 1 }, at);
        var tools = toolTokens == 0
            ? input
            : calculator.Calculate(provider, model, new Usage { InputTokens = promptTokens + toolTokens, Requests = 1 }, at);
        return new ModelCostShape(provider, model, input.TotalCost, (output.TotalCost - input.TotalCost) / PerMillion)
        {
            ToolsInputCost = tools.TotalCost - input.TotalCost,
        };
    }

    /// <summary>The model's catalog entry, resolved once per catalog (a refreshed catalog resolves again).</summary>
    private static ModelLookup Lookup(CostEngine costEngine, ModelFacts facts)
    {
        var catalog = costEngine.Catalog;
        var resolved = facts.Lookup;
        if (resolved is null || !ReferenceEquals(resolved.Catalog, catalog))
        {
            resolved = new ResolvedModel(catalog, catalog.Resolve(facts.Provider, facts.Model));
            facts.Lookup = resolved;
        }

        return resolved.Lookup;
    }

    /// <summary>Per model: counting rules, tokenizer, what bounds its output, its resolved price (once).</summary>
    internal ModelFacts FactsFor(string provider, string model)
    {
        // Most clients call one model: skip the dictionary (and hashing the name) when it is the last one asked for.
        if (_lastFacts is { } last && string.Equals(last.Model, model, StringComparison.Ordinal))
        {
            return last;
        }

        var facts = _models.TryGetValue(model, out var found) ? found : AddFacts(provider, model);
        _lastFacts = facts;
        return facts;
    }

    private ModelFacts AddFacts(string provider, string model) =>
        _models.GetOrAdd(model, m => new ModelFacts(
            provider,
            m,
            ChatTokenCounter.RulesFor(m),
            PromptCounter.TokenizerFor(m),
            ModelOutputLimits.BuiltIn.GetMaxOutputTokens(provider, m),
            _engine.Calculator is CostEngine costEngine ? costEngine.Resolve(provider, m).ContextWindow : null));

    /// <summary>What a model needs on every call, resolved once (the meter's provider is fixed, so the model is the key).</summary>
    internal sealed class ModelFacts(string provider, string model, ChatCountRules rules, ModelTokenizer tokenizer, int? modelMaxOutput, long? contextWindow)
    {
        public string Provider { get; } = provider;

        public string Model { get; } = model;

        public ChatCountRules Rules { get; } = rules;

        public ModelTokenizer Tokenizer { get; } = tokenizer;

        /// <summary>The model's maximum output per completion; null when unknown.</summary>
        public int? ModelMaxOutput { get; } = modelMaxOutput;

        public long? ContextWindow { get; } = contextWindow;

        // Replaced whole (never mutated) so concurrent calls see a consistent pair.
        public ResolvedModel? Lookup { get; set; }

        public HoldRates? Rates { get; set; }
    }

    internal sealed record ResolvedModel(PriceCatalog Catalog, ModelLookup Lookup);

    private TollgateAttribution ResolveAttribution(TollgateScope? scope, AdditionalPropertiesDictionary? properties, out string requestId)
    {
        var attribution = _options.Attribution;
        if (scope is not null)
        {
            attribution = attribution.CombineWith(scope.Attribution);
        }

        string? explicitId = null;
        if (PropertyAttribution.HasTollgateKeys(properties))
        {
            attribution = attribution.CombineWith(PropertyAttribution.Read(properties!, out explicitId));
        }

        requestId = explicitId ?? RequestIds.Next(_engine.Time);
        return attribution;
    }

    private string RequireProvider() =>
        _provider ?? throw new InvalidOperationException(
            "Tollgate cannot tell which provider to price this client as: the inner client's ChatClientMetadata has no ProviderName. Set TollgateChatClientOptions.Provider (e.g. \"openai\").");

    private string RequireModel(string? asked) =>
        (string.IsNullOrWhiteSpace(asked) ? null : asked) ?? _metadataModel ?? _options.DefaultModel ?? throw new InvalidOperationException(
            "Tollgate cannot tell which model this call uses: set ChatOptions.ModelId, or TollgateChatClientOptions.DefaultModel when the inner client's metadata names no default model.");
}
