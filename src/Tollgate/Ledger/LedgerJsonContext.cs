using System.Text.Json.Serialization;

namespace Tollgate.Ledger;

[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class LedgerJsonContext : JsonSerializerContext;
