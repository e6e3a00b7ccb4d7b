using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>JSON of the engine's queue messages: camelCase, enums as camelCase strings. Messages outlive deployments, so each carries <c>v</c>.</summary>
public static class ScenarioMessageJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static T Parse<T>(string text, int expectedVersion, Func<T, int> version)
    {
        var message = JsonSerializer.Deserialize<T>(text, Options) ?? throw new JsonException("The message is JSON null.");
        var v = version(message);
        return v == expectedVersion ? message : throw new JsonException($"Message version {v} is not understood by this build (expects {expectedVersion}).");
    }

    /// <summary>The send queue of a channel.</summary>
    public static string SendQueue(Channel channel) => channel switch
    {
        Channel.Email => StorageCatalog.Queues.SendEmail,
        Channel.Line => StorageCatalog.Queues.SendLine,
        Channel.Postal => StorageCatalog.Queues.SendDm,
        Channel.Phone => StorageCatalog.Queues.SendCall,
        _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };
}

/// <summary>One recipient of a send batch. <see cref="Key"/> is the ledger's idempotency key: consumers claim it before delivering.</summary>
public sealed record SendRecipient(string Key, string CustomerId, string EnrollmentId, string StepId, int Attempt, string? Arm);

/// <summary>
/// A message on <c>send-email</c> / <c>send-line</c> / <c>send-dm</c> / <c>send-call</c>: one template to many
/// recipients. It names customers, never addresses: the consumer reads contact details at delivery time, so an
/// unsubscribe or erasure in between is honoured and no personal data sits in a queue.
/// Version 2 may carry its recipients in a blob of <c>sendbatches</c> (<see cref="RecipientsBlob"/>) when they do not fit
/// in a queue message; version 1 (always inline, at most 100) is still read.
/// </summary>
public sealed record SendBatchMessage
{
    public const int CurrentVersion = 2;

    /// <summary>Recipients per message: one LINE multicast request (500 user ids).</summary>
    public const int MaxRecipients = 500;

    /// <summary>
    /// A message whose JSON is larger than this goes as a pointer to a blob holding it whole: the queue takes 64 KiB,
    /// and a recipient is about 150–250 bytes, so a full batch of 500 does not fit.
    /// </summary>
    public const int MaxInlineBytes = 48 * 1024;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public required string BatchId { get; init; }
    public required Channel Channel { get; init; }
    public required string ScenarioId { get; init; }
    public required int DefinitionVersion { get; init; }
    public required string Template { get; init; }

    /// <summary>Not to be delivered before this time (a fallback that fell into quiet hours); the message is also invisible until then.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The recipients; empty in a pointer message until <see cref="SendBatches.ResolveAsync"/> has read its blob.</summary>
    public required IReadOnlyList<SendRecipient> Recipients { get; init; }

    /// <summary>Version 2: the blob in <c>sendbatches</c> holding this message with its recipients; null when they are inline.</summary>
    public string? RecipientsBlob { get; init; }

    /// <summary>Version 2, with <see cref="RecipientsBlob"/>: how many recipients the blob holds (for operators reading the poison queue).</summary>
    public int? RecipientCount { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ScenarioMessageJson.Options);

    /// <summary>The same recipients give the same id, so a consumer can tell a re-queued batch from a new one.</summary>
    public static string BatchIdOf(IEnumerable<string> idempotencyKeys) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', idempotencyKeys)))[..12]);

    /// <summary>Reads version 2 and version 1 (which has no blob pointer and at most 100 recipients inline).</summary>
    public static SendBatchMessage Parse(string text)
    {
        var message = JsonSerializer.Deserialize<SendBatchMessage>(text, ScenarioMessageJson.Options) ?? throw new JsonException("The message is JSON null.");
        return message.Version switch
        {
            1 when message.RecipientsBlob is null => message,
            CurrentVersion => message,
            var v => throw new JsonException($"Message version {v} is not understood by this build (expects 1 or {CurrentVersion})."),
        };
    }
}

/// <summary>
/// A message on <c>scenario-wakeups</c>: deliver <c>TimerFired(Token)</c> to the enrollment at <see cref="DueAt"/>.
/// Queue visibility is capped at 7 days; a message that arrives before <see cref="DueAt"/> is sent again with the remainder.
/// </summary>
public sealed record WakeupMessage
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public required string CustomerId { get; init; }
    public required string EnrollmentId { get; init; }
    public required string Token { get; init; }
    public required DateTimeOffset DueAt { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ScenarioMessageJson.Options);

    public static WakeupMessage Parse(string text) => ScenarioMessageJson.Parse<WakeupMessage>(text, CurrentVersion, m => m.Version);
}

/// <summary>
/// A message on <c>scenario-wakeups</c> with many wake-ups due in the same minute (version 2): one engine batch's
/// enrollments waiting for the same moment share it. It becomes visible when the last of them is due; one that is still
/// early when it arrives (the 7-day visibility cap) is sent again with the rest that are.
/// </summary>
public sealed record WakeupBatchMessage
{
    public const int CurrentVersion = 2;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public required IReadOnlyList<WakeupMessage> Wakeups { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ScenarioMessageJson.Options);

    /// <summary>The wake-ups a message carries: version 2 (many) or version 1 (one).</summary>
    public static IReadOnlyList<WakeupMessage> Parse(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.TryGetProperty("v", out var v) && v.ValueKind == JsonValueKind.Number && v.GetInt32() == CurrentVersion
            ? ScenarioMessageJson.Parse<WakeupBatchMessage>(text, CurrentVersion, m => m.Version).Wakeups
            : [WakeupMessage.Parse(text)];
    }
}
