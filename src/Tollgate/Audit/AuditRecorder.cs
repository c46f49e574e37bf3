using System.Text.Json;

namespace Tollgate.Audit;

/// <summary>
/// Records a change with the clock's time and the before/after states serialized as JSON (snake_case), so every
/// host records the same way: <c>await recorder.RecordAsync("cli", "budget.set", id, before, after)</c>.
/// </summary>
public sealed class AuditRecorder(IAuditLog log, TimeProvider? time = null)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public IAuditLog Log => log;

    /// <summary>Appends one entry; <paramref name="before"/> and <paramref name="after"/> are views without secrets (null: none).</summary>
    public ValueTask<AuditEntry> RecordAsync(string actor, string action, string target, object? before, object? after, CancellationToken cancellationToken = default) =>
        log.RecordAsync(new AuditEntry
        {
            At = _time.GetUtcNow(),
            Actor = actor,
            Action = action,
            Target = target,
            Before = ToJson(before),
            After = ToJson(after),
        }, cancellationToken);

    /// <summary>A state as the log stores it (null stays null), e.g. to compare with an earlier entry.</summary>
    public static string? ToJson(object? state) => state is null ? null : JsonSerializer.Serialize(state, state.GetType(), Json);
}
