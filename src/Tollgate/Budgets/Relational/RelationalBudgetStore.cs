using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Alerts;

namespace Tollgate.Budgets.Relational;

/// <summary>
/// Budget counters, holds, definitions and markers in a SQL database, shared by the SQLite and PostgreSQL
/// stores. Every hold and settle is one transaction that first locks the counters it touches (SQLite:
/// <c>BEGIN IMMEDIATE</c>, one writer; PostgreSQL: <c>SELECT … FOR UPDATE</c> in a fixed order), reclaims
/// their expired holds, checks every line and writes all or nothing.
/// </summary>
public abstract class RelationalBudgetStore : IBudgetStore, IBudgetDefinitionStore, IAlertHistory
{
    private const int Active = 0;
    private const int Expired = 1;

    /// <summary>Opens a connection (pooled by the driver).</summary>
    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>Starts the write transaction (SQLite: BEGIN IMMEDIATE).</summary>
    protected abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Row-lock clause appended to counter reads inside a write transaction (" FOR UPDATE" or "").</summary>
    protected abstract string LockClause { get; }

    /// <summary>DDL creating the tables if missing.</summary>
    protected abstract string SchemaSql { get; }

    /// <summary>True for errors worth retrying the whole transaction (busy, deadlock, serialization failure).</summary>
    protected virtual bool IsTransient(Exception exception) => false;

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = SchemaSql;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask<HoldOutcome> TryHoldAsync(HoldRequest request, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async (connection, tx) =>
        {
            var lines = request.Lines;
            var keys = new SortedSet<(string, string)>();
            foreach (var line in lines)
            {
                keys.Add((line.BudgetId, line.WindowKey));
                foreach (var past in line.PastWindowKeys)
                {
                    keys.Add((line.BudgetId, past));
                }
            }

            var counters = await LockCountersAsync(connection, tx, keys, request.Now, cancellationToken);
            ulong over = 0;
            var pending = new Dictionary<(string, string), long>();
            for (var i = 0; i < lines.Count; i++)
            {
                var line = lines[i];
                var c = counters[(line.BudgetId, line.WindowKey)];
                long spent = c.Spent, held = c.Held + pending.GetValueOrDefault((line.BudgetId, line.WindowKey));
                foreach (var past in line.PastWindowKeys)
                {
                    var p = counters[(line.BudgetId, past)];
                    spent += p.Spent;
                    held += p.Held;
                }

                var isOver = spent + held + line.AmountNanos > line.LimitNanos;
                if (isOver && line.Enforced)
                {
                    return (HoldOutcome.Refused(i, spent, held), true);
                }

                if (isOver && i < 64)
                {
                    over |= 1UL << i;
                }

                pending[(line.BudgetId, line.WindowKey)] = pending.GetValueOrDefault((line.BudgetId, line.WindowKey)) + line.AmountNanos;
            }

            await using (var cmd = connection.CreateCommand())
            {
                cmd.Transaction = tx;
                var sql = new StringBuilder();
                var n = 0;
                foreach (var ((budget, window), amount) in pending)
                {
                    sql.Append(CultureInfo.InvariantCulture, $"UPDATE budget_counters SET held = held + @a{n} WHERE budget_id = @b{n} AND window_key = @w{n};");
                    Add(cmd, $"a{n}", amount);
                    Add(cmd, $"b{n}", budget);
                    Add(cmd, $"w{n}", window);
                    n++;
                }

                for (var i = 0; i < lines.Count; i++)
                {
                    sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO budget_holds (reservation_id, line, budget_id, window_key, amount, expires_at, state, expire_as_spent) VALUES (@r, {i}, @hb{i}, @hw{i}, @ha{i}, @e, 0, @x);");
                    Add(cmd, $"hb{i}", lines[i].BudgetId);
                    Add(cmd, $"hw{i}", lines[i].WindowKey);
                    Add(cmd, $"ha{i}", lines[i].AmountNanos);
                }

                Add(cmd, "r", request.ReservationId);
                Add(cmd, "e", request.ExpiresAt.ToUnixTimeMilliseconds());
                Add(cmd, "x", request.ExpireAsSpent ? 1 : 0);
                cmd.CommandText = sql.ToString();
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            return (HoldOutcome.Success(over), true);
        }, cancellationToken);

    public ValueTask<bool> SettleAsync(string reservationId, IReadOnlyList<HoldLine> lines, IReadOnlyList<long> actualNanos, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async (connection, tx) =>
        {
            // Counters first (the same order holds use), then the hold rows: no lock-order inversion.
            var keys = new SortedSet<(string, string)>();
            foreach (var line in lines)
            {
                keys.Add((line.BudgetId, line.WindowKey));
            }

            await LockCountersAsync(connection, tx, keys, now, cancellationToken);
            var rows = new List<(int Line, int State, long Amount, string Budget, string Window)>();
            await using (var cmd = connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "SELECT line, state, amount, budget_id, window_key FROM budget_holds WHERE reservation_id = @r" + LockClause;
                Add(cmd, "r", reservationId);
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4)));
                }
            }

            if (rows.Count == 0)
            {
                return (false, false);
            }

            await using (var cmd = connection.CreateCommand())
            {
                cmd.Transaction = tx;
                var sql = new StringBuilder("DELETE FROM budget_holds WHERE reservation_id = @r;");
                Add(cmd, "r", reservationId);
                foreach (var row in rows)
                {
                    var release = row.State == Active ? row.Amount : 0;
                    var actual = row.Line < actualNanos.Count ? actualNanos[row.Line] : 0;
                    sql.Append(CultureInfo.InvariantCulture, $"UPDATE budget_counters SET held = held - @h{row.Line}, spent = spent + @s{row.Line} WHERE budget_id = @b{row.Line} AND window_key = @w{row.Line};");
                    Add(cmd, $"h{row.Line}", release);
                    Add(cmd, $"s{row.Line}", actual);
                    Add(cmd, $"b{row.Line}", row.Budget);
                    Add(cmd, $"w{row.Line}", row.Window);
                }

                cmd.CommandText = sql.ToString();
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            return (true, true);
        }, cancellationToken);

    public async ValueTask<BudgetCounter> GetCounterAsync(string budgetId, string windowKey, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();

        // Live holds only: expired ones count as released even before a write reclaims them.
        cmd.CommandText = """
            SELECT c.spent, COALESCE((SELECT SUM(h.amount) FROM budget_holds h WHERE h.budget_id = c.budget_id AND h.window_key = c.window_key AND h.state = 0 AND h.expires_at > @now), 0)
            FROM budget_counters c WHERE c.budget_id = @b AND c.window_key = @w
            """;
        Add(cmd, "b", budgetId);
        Add(cmd, "w", windowKey);
        Add(cmd, "now", now.ToUnixTimeMilliseconds());
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new BudgetCounter(reader.GetInt64(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)) : default;
    }

    public async ValueTask SetSpentAsync(string budgetId, string windowKey, long spentNanos, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spentNanos);
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "INSERT INTO budget_counters (budget_id, window_key, spent, held) VALUES (@b, @w, @s, 0) ON CONFLICT (budget_id, window_key) DO UPDATE SET spent = @s";
        Add(cmd, "b", budgetId);
        Add(cmd, "w", windowKey);
        Add(cmd, "s", spentNanos);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async (connection, tx) =>
        {
            var keys = new SortedSet<(string, string)>();
            await using (var cmd = connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "SELECT DISTINCT budget_id, window_key FROM budget_holds WHERE state = 0 AND expires_at <= @now";
                Add(cmd, "now", now.ToUnixTimeMilliseconds());
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    keys.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            var reclaimed = keys.Count == 0 ? 0 : (await LockCountersAsync(connection, tx, keys, now, cancellationToken)).Values.Sum(c => c.Reclaimed);
            await using (var cmd = connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "DELETE FROM budget_holds WHERE state = 1 AND expires_at < @old";
                Add(cmd, "old", now.AddDays(-1).ToUnixTimeMilliseconds());
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }

            return (reclaimed, true);
        }, cancellationToken);

    public async ValueTask<bool> TryMarkOnceAsync(string budgetId, string windowKey, string marker, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "INSERT INTO budget_marks (budget_id, window_key, marker) VALUES (@b, @w, @m) ON CONFLICT DO NOTHING";
        Add(cmd, "b", budgetId);
        Add(cmd, "w", windowKey);
        Add(cmd, "m", marker);
        return await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<EmergencyState?> GetEmergencyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT budget_id, since, reason FROM budget_emergency WHERE id = 1";
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new EmergencyState(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2))
            : null;
    }

    public async ValueTask<bool> TryStartEmergencyAsync(EmergencyState state, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "INSERT INTO budget_emergency (id, budget_id, since, reason) VALUES (1, @b, @s, @r) ON CONFLICT DO NOTHING";
        Add(cmd, "b", state.BudgetId);
        Add(cmd, "s", state.Since.ToUnixTimeMilliseconds());
        Add(cmd, "r", state.Reason);
        return await cmd.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask<bool> ResetEmergencyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "DELETE FROM budget_emergency WHERE id = 1";
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async ValueTask<IReadOnlyList<Budget>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT definition FROM budget_definitions ORDER BY id";
        var result = new List<Budget>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(BudgetJson.Deserialize(reader.GetString(0)));
        }

        return result;
    }

    public async ValueTask<Budget?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT definition FROM budget_definitions WHERE id = @id";
        Add(cmd, "id", id);
        return await cmd.ExecuteScalarAsync(cancellationToken) is string json ? BudgetJson.Deserialize(json) : null;
    }

    public async ValueTask UpsertAsync(Budget budget, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "INSERT INTO budget_definitions (id, definition) VALUES (@id, @d) ON CONFLICT (id) DO UPDATE SET definition = @d";
        Add(cmd, "id", budget.Id);
        Add(cmd, "d", BudgetJson.Serialize(budget));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "DELETE FROM budget_definitions WHERE id = @id";
        Add(cmd, "id", id);
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async ValueTask<Alert> AppendAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "INSERT INTO alert_history (at, severity, kind, budget_id, window_key, message, details) VALUES (@at, @sev, @kind, @b, @w, @msg, @d) RETURNING id";
        Add(cmd, "at", alert.At.ToUnixTimeMilliseconds());
        Add(cmd, "sev", alert.Severity.ToString());
        Add(cmd, "kind", alert.Kind);
        Add(cmd, "b", (object?)alert.BudgetId ?? DBNull.Value);
        Add(cmd, "w", (object?)alert.WindowKey ?? DBNull.Value);
        Add(cmd, "msg", alert.Message);
        Add(cmd, "d", JsonSerializer.Serialize(alert.Details));
        var id = Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        return alert with { Id = id };
    }

    public async ValueTask<IReadOnlyList<Alert>> QueryAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT id, at, severity, kind, budget_id, window_key, message, details FROM alert_history WHERE at >= @since ORDER BY at DESC, id DESC";
        Add(cmd, "since", since.ToUnixTimeMilliseconds());
        var result = new List<Alert>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new Alert
            {
                Id = reader.GetInt64(0),
                At = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                Severity = Enum.Parse<AlertSeverity>(reader.GetString(2)),
                Kind = reader.GetString(3),
                BudgetId = reader.IsDBNull(4) ? null : reader.GetString(4),
                WindowKey = reader.IsDBNull(5) ? null : reader.GetString(5),
                Message = reader.GetString(6),
                Details = reader.IsDBNull(7) ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(7)) ?? [],
            });
        }

        return result;
    }

    /// <summary>Creates missing counter rows, locks them, reclaims their expired holds; returns the locked counters.</summary>
    private async Task<Dictionary<(string, string), LockedCounter>> LockCountersAsync(DbConnection connection, DbTransaction tx, SortedSet<(string, string)> keys, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, string), LockedCounter>(keys.Count);
        if (keys.Count == 0)
        {
            return result;
        }

        await using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            var sql = new StringBuilder();
            var n = 0;
            foreach (var (budget, window) in keys)
            {
                sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO budget_counters (budget_id, window_key, spent, held) VALUES (@b{n}, @w{n}, 0, 0) ON CONFLICT (budget_id, window_key) DO NOTHING;");
                Add(cmd, $"b{n}", budget);
                Add(cmd, $"w{n}", window);
                n++;
            }

            cmd.CommandText = sql.ToString();
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        var where = new StringBuilder();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            var n = 0;
            foreach (var (budget, window) in keys)
            {
                where.Append(n == 0 ? "" : " OR ").Append(CultureInfo.InvariantCulture, $"(budget_id = @b{n} AND window_key = @w{n})");
                Add(cmd, $"b{n}", budget);
                Add(cmd, $"w{n}", window);
                n++;
            }

            cmd.CommandText = $"SELECT budget_id, window_key, spent, held FROM budget_counters WHERE {where} ORDER BY budget_id, window_key{LockClause}";
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                result[(reader.GetString(0), reader.GetString(1))] = new LockedCounter { Spent = reader.GetInt64(2), Held = reader.GetInt64(3) };
            }
        }

        // Reclaim expired holds of exactly these (now locked) counters.
        var expired = new List<(string, string, long, bool)>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            var n = 0;
            foreach (var (budget, window) in keys)
            {
                Add(cmd, $"b{n}", budget);
                Add(cmd, $"w{n}", window);
                n++;
            }

            Add(cmd, "now", now.ToUnixTimeMilliseconds());
            cmd.CommandText = $"UPDATE budget_holds SET state = {Expired} WHERE state = {Active} AND expires_at <= @now AND ({where}) RETURNING budget_id, window_key, amount, expire_as_spent";
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                expired.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3) == 1));
            }
        }

        if (expired.Count > 0)
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            var sql = new StringBuilder();
            var n = 0;
            foreach (var group in expired.GroupBy(e => (e.Item1, e.Item2)))
            {
                var amount = group.Sum(e => e.Item3);
                var asSpent = group.Where(e => e.Item4).Sum(e => e.Item3);
                var c = result[group.Key];
                c.Held -= amount;
                c.Spent += asSpent;
                c.Reclaimed += group.Count();
                sql.Append(CultureInfo.InvariantCulture, $"UPDATE budget_counters SET held = held - @a{n}, spent = spent + @x{n} WHERE budget_id = @b{n} AND window_key = @w{n};");
                Add(cmd, $"a{n}", amount);
                Add(cmd, $"x{n}", asSpent);
                Add(cmd, $"b{n}", group.Key.Item1);
                Add(cmd, $"w{n}", group.Key.Item2);
                n++;
            }

            cmd.CommandText = sql.ToString();
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }

        return result;
    }

    private async ValueTask<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<(T Result, bool Commit)>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var connection = await OpenConnectionAsync(cancellationToken);
            try
            {
                await using var tx = await BeginWriteAsync(connection, cancellationToken);
                var (result, commit) = await work(connection, tx);
                if (commit)
                {
                    await tx.CommitAsync(cancellationToken);
                }
                else
                {
                    await tx.RollbackAsync(cancellationToken);
                }

                return result;
            }
            catch (Exception ex) when (attempt < 50 && IsTransient(ex))
            {
                // Busy/deadlock/serialization: nothing was committed; back off a little and redo the whole transaction.
                await Task.Delay(Random.Shared.Next(1, 5 + (attempt * 2)), cancellationToken);
            }
        }
    }

    /// <summary>Adds a named parameter (<c>@name</c> in SQL).</summary>
    protected static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    private sealed class LockedCounter
    {
        public long Spent;
        public long Held;
        public int Reclaimed;
    }
}
