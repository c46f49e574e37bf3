using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tollgate.Budgets;
using Tollgate.Extensions.AI.Tests.Fakes;
using Tollgate.Extensions.AI.Tests.Infrastructure;
using Tollgate.Ledger;
using Tollgate.Sqlite.Ledger;

namespace Tollgate.Extensions.AI.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public async Task AddTollgate_InvalidOptions_FailAtStartNamingEverySettingToFix()
    {
        var services = new ServiceCollection();
        services.AddTollgate(o =>
        {
            o.Store = "mysql://nope";
            o.Client.DefaultMaxOutputTokens = 0;
            o.SeedBudgets.Add(new Budget { Id = "bad id!", Limit = -1m });
        });
        await using var provider = services.BuildServiceProvider();

        // What a generic host runs at start (ValidateOnStart); without a host, resolving the engine fails the same way.
        var atStart = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        var onResolve = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<TollgateEngine>());

        Assert.Contains("Tollgate:Store", atStart.Message, StringComparison.Ordinal);
        Assert.Contains("sqlite:PATH", atStart.Message, StringComparison.Ordinal);
        Assert.Contains("DefaultMaxOutputTokens", atStart.Message, StringComparison.Ordinal);
        Assert.Contains("limit must be greater than 0", atStart.Message, StringComparison.Ordinal);
        Assert.Equal(atStart.Failures, onResolve.Failures);
    }

    [Fact]
    public async Task AddTollgate_SqliteStore_EnforcesSeededBudgetAndPersistsTheLedger()
    {
        using var dir = new TempDirectory();
        var path = dir.File("tollgate.db");
        var inner = new FakeChatClient("openai", "gpt-4o")
        {
            Usage = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 500 },
        };
        var services = new ServiceCollection();
        services.AddTollgate(o =>
        {
            o.Store = "sqlite:" + path;
            o.SeedBudgets.Add(new Budget { Id = "app-daily", Limit = 0.02m, Period = BudgetPeriod.Daily });
            o.Client.Attribution = new TollgateAttribution { Project = "app" };
        });
        services.AddTollgateChatClient(_ => inner);

        await using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            var client = provider.GetRequiredService<IChatClient>();
            var small = new ChatOptions { MaxOutputTokens = 1000 };

            await client.GetResponseAsync(Prompt.Messages(), small, Ct); // 1000 × 2.5/M + 500 × 10/M = 0.0075
            await client.GetResponseAsync(Prompt.Messages(), small, Ct); // spent 0.015
            await Assert.ThrowsAsync<TollgateBudgetExceededException>(() => client.GetResponseAsync(Prompt.Messages(), small, Ct));
            Assert.Equal(2, inner.Calls);
        }

        // Disposing the container flushed the ledger into the SQLite file; read it back with the ledger's own store.
        await using var ledger = new SqliteLedgerStore(dir.File("tollgate.ledger.db"));
        var report = await ledger.QueryAsync(new LedgerQuery { Filter = new LedgerFilter { Project = "app" } }, Ct);
        Assert.Equal(2, report.Total.Requests);
        Assert.Equal(0.015m, report.Total.Cost);
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task AddTollgate_PostgreSqlStoreWithRedisCounters_SharesBudgetAcrossTwoContainers()
    {
        var name = TestServices.NewName("tg_meai_");
        var connectionString = await TestServices.CreatePostgresDatabaseAsync(name);
        var prefix = TestServices.NewName("tg-meai-");
        try
        {
            void Configure(TollgateOptions o)
            {
                o.Store = connectionString;
                o.Redis = TestServices.RedisConfiguration;
                o.RedisPrefix = prefix;
                o.SeedBudgets.Add(new Budget { Id = "shared", Limit = 0.01m, Period = BudgetPeriod.Daily });
            }

            // Two "app instances" (containers) over the same PostgreSQL database and Redis prefix.
            await using var first = new ServiceCollection().AddTollgate(Configure).BuildServiceProvider();
            await using var second = new ServiceCollection().AddTollgate(Configure).BuildServiceProvider();
            var usage = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 500 }; // $0.0075 on gpt-4o
            using var clientA = new FakeChatClient("openai", "gpt-4o") { Usage = usage }.WithTollgate(first.GetRequiredService<TollgateEngine>());
            using var clientB = new FakeChatClient("openai", "gpt-4o") { Usage = usage }.WithTollgate(second.GetRequiredService<TollgateEngine>());
            var options = new ChatOptions { MaxOutputTokens = 300 }; // worst case ≈ $0.003: fits $0.01 once, not the $0.0025 left after

            await clientA.GetResponseAsync(Prompt.Messages(), options, Ct);
            var refused = await Assert.ThrowsAsync<TollgateBudgetExceededException>(() => clientB.GetResponseAsync(Prompt.Messages(), options, Ct));

            Assert.True(refused.Spent == 0.0075m, refused.Message);
            var engine = first.GetRequiredService<TollgateEngine>();
            await engine.FlushAsync(Ct);
            Assert.Equal(0.0075m, (await engine.LedgerStore.QueryAsync(new LedgerQuery(), Ct)).Total.Cost);
        }
        finally
        {
            await TestServices.DropPostgresDatabaseAsync(name);
        }
    }
}
