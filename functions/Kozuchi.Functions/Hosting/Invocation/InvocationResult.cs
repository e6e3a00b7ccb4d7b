using System.Text.Json.Serialization;

namespace Kozuchi.Functions.Hosting.Invocation;

/// <summary>The handler's answer to the host: <c>{"Outputs": {...}, "Logs": [...], "ReturnValue": ...}</c>.</summary>
public sealed class InvocationResult
{
    [JsonPropertyName("Outputs")]
    public Dictionary<string, object?> Outputs { get; init; } = [];

    [JsonPropertyName("Logs")]
    public List<string> Logs { get; init; } = [];

    [JsonPropertyName("ReturnValue")]
    public object? ReturnValue { get; init; }
}
