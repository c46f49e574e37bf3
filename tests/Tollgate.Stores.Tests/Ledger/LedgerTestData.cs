using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Stores.Tests.Ledger;

/// <summary>Deterministic records spread over providers, models, tenants, projects, users, keys and hours.</summary>
internal static class LedgerTestData
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static UsageRecord Record(string id, DateTimeOffset timestamp, string provider = "openai", string model = "gpt-4o",
        decimal cost = 0.001m, string? tenant = "t1", string? project = "p1", string? user = "u1", string? key = "k1", int attempt = 1) => new()
    {
        RequestId = id,
        Attempt = attempt,
        Timestamp = timestamp,
        Provider = provider,
        Model = model,
        ApiFlavor = "chat",
        Tenant = tenant,
        Project = project,
        User = user,
        KeyId = key,
        Usage = new Usage { InputTokens = 100, CacheReadTokens = 20, OutputTokens = 50, ReasoningTokens = 10 },
        InputCost = cost / 2,
        OutputCost = cost / 2,
        TotalCost = cost,
        PriceSource = "test",
        LatencyMs = 120,
    };

    public static List<UsageRecord> Many(int count, int seed = 7)
    {
        var random = new Random(seed);
        string[] providers = ["openai", "anthropic", "google"];
        string[][] models = [["gpt-4o", "gpt-4o-mini"], ["claude-sonnet-4", "claude-haiku-4"], ["gemini-2.5-pro"]];
        var list = new List<UsageRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var p = random.Next(providers.Length);
            var user = random.Next(6);
            var usage = new Usage
            {
                InputTokens = random.Next(1, 5000),
                OutputTokens = random.Next(1, 2000),
            };
            usage.CacheReadTokens = random.Next(0, (int)usage.InputTokens);
            usage.ReasoningTokens = random.Next(0, (int)usage.OutputTokens);
            var input = random.Next(0, 5_000_000) / 1_000_000_000m * 1000;
            var output = random.Next(0, 5_000_000) / 1_000_000_000m * 1000;
            list.Add(new UsageRecord
            {
                RequestId = $"req-{seed}-{i:D6}",
                Attempt = 1 + (i % 3 == 0 ? 1 : 0),
                Timestamp = Start.AddMinutes(random.Next(0, 60 * 24 * 40)).AddSeconds(random.Next(60)).AddTicks(random.Next(10_000_000)),
                Provider = providers[p],
                Model = models[p][random.Next(models[p].Length)],
                ApiFlavor = random.Next(2) == 0 ? "chat" : "responses",
                Tenant = $"tenant-{user % 2}",
                Project = user % 3 == 0 ? null : $"project-{user % 3}",
                User = $"user-{user}",
                KeyId = $"key-{user}",
                Usage = usage,
                InputCost = input,
                OutputCost = output,
                TotalCost = input + output,
                PriceSource = "test",
                LatencyMs = random.Next(10, 3000),
                Success = random.Next(20) != 0,
                ErrorClass = null,
                Estimated = random.Next(10) == 0,
                Unpriced = random.Next(30) == 0,
            });
        }

        return list;
    }

    public static LedgerMetrics Sum(IEnumerable<UsageRecord> records) =>
        records.Aggregate(default(LedgerMetrics), (sum, r) => sum + LedgerMetrics.Of(r));
}
