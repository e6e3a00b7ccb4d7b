using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kozuchi.Storage.Orders;

/// <summary>What a stored payload is, so the queue handler knows how to read it.</summary>
public enum PayloadKind
{
    /// <summary>A Shopify webhook body; <see cref="IngestMessage.Topic"/> says which.</summary>
    Shopify,

    /// <summary>The Kozuchi JSON order format (generic webhook): one order or {"orders": [...]}.</summary>
    Kozuchi,

    /// <summary>An import chunk: newline-delimited Kozuchi order records as stored by the import.</summary>
    Chunk,

    /// <summary>A Shopify checkouts/create or checkouts/update body (queue <c>checkouts-incoming</c>).</summary>
    ShopifyCheckout,

    /// <summary>A checkout event of the generic webhook (queue <c>checkouts-incoming</c>).</summary>
    KozuchiCheckout,

    /// <summary>A page pulled from a cart's order API (<c>Core/Pulls/PulledOrders</c>): the cart's own order objects.</summary>
    Pull,
}

/// <summary>
/// A message on <c>orders-incoming</c>: a pointer to a stored payload, never the payload itself (64 KiB limit, and
/// the blob is the record of what arrived). Schema-versioned because messages outlive deployments.
/// </summary>
public sealed record IngestMessage
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public required PayloadKind Kind { get; init; }

    /// <summary>Blob name in the <c>raw</c> container.</summary>
    public required string Blob { get; init; }

    public string? Topic { get; init; }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>As <see cref="Parse"/>, but a message that cannot be read is an <see cref="UnreadablePayloadException"/>: the queue parks it for inspection.</summary>
    public static IngestMessage ParseOrUnreadable(string text)
    {
        try
        {
            return Parse(text);
        }
        catch (JsonException ex)
        {
            throw new UnreadablePayloadException("Not an ingest message", ex);
        }
    }

    public static IngestMessage Parse(string text)
    {
        var message = JsonSerializer.Deserialize<IngestMessage>(text, Json) ?? throw new JsonException("Ingest message is JSON null.");
        return message.Version == CurrentVersion ? message : throw new JsonException($"Ingest message version {message.Version} is not understood by this build (expects {CurrentVersion}).");
    }
}
