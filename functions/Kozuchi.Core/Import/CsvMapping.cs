using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kozuchi.Core.Import;

/// <summary>Where a Kozuchi column's value comes from: one or more source columns, joined.</summary>
[JsonConverter(typeof(CsvMapping.ColumnRuleConverter))]
public sealed record ColumnRule(IReadOnlyList<string> From, string Separator = "");

/// <summary>
/// How a cart's order CSV maps onto the Kozuchi order CSV columns (docs/INGEST.md documents the format; the shipped
/// mappings live in imports/mappings/ and a test loads each).
/// </summary>
public sealed record CsvMapping
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>The order source when the file has no <c>source</c> column.</summary>
    public string? Source { get; init; }

    /// <summary>Kozuchi column → source columns. Kozuchi columns not listed are empty.</summary>
    public IReadOnlyDictionary<string, ColumnRule> Columns { get; init; } = new Dictionary<string, ColumnRule>();

    /// <summary>The cart's status words → paid, pending, cancelled, refunded, partially_refunded.</summary>
    public IReadOnlyDictionary<string, string> Status { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Order-level columns may be blank on an order's later rows and mean "same as the first row" (Shopify's export
    /// writes them only once per order).
    /// </summary>
    public bool BlankRepeatsFirstRow { get; init; }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The Kozuchi order CSV itself: every column by its own name.</summary>
    public static CsvMapping Kozuchi { get; } = new()
    {
        Name = "kozuchi",
        Description = "The Kozuchi order CSV",
        Columns = OrderCsvColumns.All.ToDictionary(c => c, c => new ColumnRule([c])),
    };

    public static CsvMapping Parse(string json)
    {
        var mapping = JsonSerializer.Deserialize<CsvMapping>(json, Json) ?? throw new FormatException("Mapping is JSON null.");
        if (mapping.SchemaVersion != CurrentSchemaVersion)
        {
            throw new FormatException($"Mapping schemaVersion {mapping.SchemaVersion} is not supported (expected {CurrentSchemaVersion}).");
        }

        var unknown = mapping.Columns.Keys.Where(k => !OrderCsvColumns.All.Contains(k) && !OrderCsvColumns.Extra.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new FormatException($"Mapping '{mapping.Name}' maps unknown Kozuchi columns: {string.Join(", ", unknown)}.");
        }

        foreach (var required in new[] { OrderCsvColumns.OrderId, OrderCsvColumns.OrderedAt, OrderCsvColumns.OrderTotal })
        {
            if (!mapping.Columns.ContainsKey(required))
            {
                throw new FormatException($"Mapping '{mapping.Name}' must map '{required}'.");
            }
        }

        return mapping;
    }

    internal sealed class ColumnRuleConverter : JsonConverter<ColumnRule>
    {
        public override ColumnRule Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    return new ColumnRule([reader.GetString()!]);
                case JsonTokenType.StartArray:
                    return new ColumnRule(JsonSerializer.Deserialize<List<string>>(ref reader, options) ?? []);
                case JsonTokenType.StartObject:
                    using (var doc = JsonDocument.ParseValue(ref reader))
                    {
                        var from = doc.RootElement.TryGetProperty("from", out var f)
                            ? f.ValueKind == JsonValueKind.Array ? f.EnumerateArray().Select(e => e.GetString()!).ToList() : [f.GetString()!]
                            : throw new JsonException("A column rule object needs 'from'.");
                        var separator = doc.RootElement.TryGetProperty("separator", out var s) ? s.GetString() ?? string.Empty : string.Empty;
                        return new ColumnRule(from, separator);
                    }

                default:
                    throw new JsonException("A column rule is a column name, a list of names, or {\"from\": [...], \"separator\": \" \"}.");
            }
        }

        public override void Write(Utf8JsonWriter writer, ColumnRule value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("from");
            JsonSerializer.Serialize(writer, value.From, options);
            writer.WriteString("separator", value.Separator);
            writer.WriteEndObject();
        }
    }
}

/// <summary>The Kozuchi order CSV's columns, exactly as the header must name them.</summary>
public static class OrderCsvColumns
{
    public const string OrderId = "order_id";
    public const string OrderedAt = "ordered_at";
    public const string CustomerRef = "customer_ref";
    public const string Email = "email";
    public const string Phone = "phone";
    public const string Name = "name";
    public const string PostalCode = "postal_code";
    public const string Address = "address";
    public const string Sku = "sku";
    public const string ProductName = "product_name";
    public const string Quantity = "quantity";
    public const string UnitPrice = "unit_price";
    public const string OrderTotal = "order_total";
    public const string Currency = "currency";
    public const string Status = "status";
    public const string Source = "source";

    /// <summary>Only through mappings: a non-empty cancellation time means cancelled; a refunded amount; consent; last change.</summary>
    public const string CancelledAt = "cancelled_at";
    public const string RefundedAmount = "refunded_amount";
    public const string AcceptsMarketing = "accepts_marketing";
    public const string UpdatedAt = "updated_at";

    /// <summary>Only through mappings: the address in its parts (carts that export them separately) and how far the goods went out.</summary>
    public const string Country = "country";
    public const string Prefecture = "prefecture";
    public const string City = "city";
    public const string Address1 = "address1";
    public const string Address2 = "address2";
    public const string FulfillmentStatus = "fulfillment_status";

    public static IReadOnlyList<string> All { get; } =
        [OrderId, OrderedAt, CustomerRef, Email, Phone, Name, PostalCode, Address, Sku, ProductName, Quantity, UnitPrice, OrderTotal, Currency, Status, Source];

    public static IReadOnlyList<string> Extra { get; } = [CancelledAt, RefundedAmount, AcceptsMarketing, UpdatedAt, Country, Prefecture, City, Address1, Address2, FulfillmentStatus];

    /// <summary>Columns that describe the order rather than the line: rows of one order must agree on them.</summary>
    public static IReadOnlyList<string> OrderLevel { get; } =
        [OrderedAt, CustomerRef, Email, Phone, Name, PostalCode, Address, OrderTotal, Currency, Status, CancelledAt, RefundedAmount, AcceptsMarketing, UpdatedAt, Country, Prefecture, City, Address1, Address2, FulfillmentStatus];
}
