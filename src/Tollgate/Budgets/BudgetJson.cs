using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tollgate.Budgets;

/// <summary>The JSON form of a <see cref="Budget"/> (stored definitions, <c>budget list --json</c>, admin API).</summary>
public static class BudgetJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new ScopeConverter(), new PeriodConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static string Serialize(Budget budget) => JsonSerializer.Serialize(budget, Options);

    public static Budget Deserialize(string json) =>
        JsonSerializer.Deserialize<Budget>(json, Options) ?? throw new JsonException("budget definition is null");

    private sealed class ScopeConverter : JsonConverter<BudgetScope>
    {
        public override BudgetScope Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            BudgetScope.TryParse(reader.GetString(), out var scope, out var error) ? scope : throw new JsonException(error);

        public override void Write(Utf8JsonWriter writer, BudgetScope value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    private sealed class PeriodConverter : JsonConverter<BudgetPeriod>
    {
        public override BudgetPeriod Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            BudgetPeriod.TryParse(reader.GetString(), out var period, out var error) ? period : throw new JsonException(error);

        public override void Write(Utf8JsonWriter writer, BudgetPeriod value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
