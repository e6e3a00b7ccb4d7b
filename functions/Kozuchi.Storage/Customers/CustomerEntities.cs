using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Customers;

/// <summary>
/// Row shapes of the customer, identity and order tables. A customer row carries the whole record as JSON (split over
/// properties to stay under the 64 KiB property limit) plus the profile's scalar columns, so reports scan a few
/// columns without deserialising anything.
/// </summary>
public static class CustomerEntities
{
    public const int SchemaVersion = 1;
    private const int ChunkChars = 30_000;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string CustomerPartition(string customerId) => TableKeys.Bucket(customerId);

    public static string OrderPartition(OrderKey key) => TableKeys.Bucket(key.ToString());

    public static string OrderRow(OrderKey key) => TableKeys.Escape(key.Source) + "|" + TableKeys.Escape(key.OrderId);

    public static OrderKey OrderKeyFromRow(string rowKey)
    {
        var bar = rowKey.IndexOf('|', StringComparison.Ordinal);
        return new OrderKey(TableKeys.Unescape(rowKey[..bar]), TableKeys.Unescape(rowKey[(bar + 1)..]));
    }

    public static string IdentityPartition(IdentityKey key) => TableKeys.Bucket(key.ToString());

    public static string IdentityRow(IdentityKey key) => TableKeys.Escape(key.ToString());

    public static TableEntity ToEntity(CustomerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var profile = record.ToProfile();
        var entity = new TableEntity(CustomerPartition(record.CustomerId), record.CustomerId)
        {
            ["SchemaVersion"] = SchemaVersion,
            ["State"] = record.State.ToString(),
            ["MergedInto"] = record.MergedInto,
            ["Frequency"] = profile.Frequency,
            ["Monetary"] = profile.Monetary.ToString(CultureInfo.InvariantCulture),
            ["Currency"] = profile.Currency,
            ["OtherMonetary"] = profile.OtherMonetary.Count == 0 ? null : Currencies.Format(profile.OtherMonetary),
            ["FirstOrderAt"] = profile.FirstOrderAt,
            ["LastOrderAt"] = profile.LastOrderAt,
            ["EntryProducts"] = string.Join('\t', profile.EntryProducts),
            // Every product ever bought (the segment rule "bought" reads it from the profile scan, which never decodes Data).
            ["BoughtProducts"] = string.Join('\t', profile.BoughtProducts.Order(StringComparer.Ordinal)),
            ["IsSubscriber"] = profile.IsSubscriber,
            ["AcquisitionMedium"] = profile.AcquisitionMedium,
            ["Prefecture"] = profile.Prefecture,
            ["CanEmail"] = profile.Reachability.CanEmail,
            ["CanLine"] = profile.Reachability.CanLine,
            ["CanPost"] = profile.Reachability.CanPost,
            ["CanCall"] = profile.Reachability.CanCall,
        };
        var json = JsonSerializer.Serialize(record, Json);
        var chunks = (json.Length + ChunkChars - 1) / ChunkChars;
        if (chunks > 30)
        {
            throw new InvalidOperationException($"Customer {record.CustomerId} has grown past the table row limit ({record.Orders.Count} orders).");
        }

        entity["DataChunks"] = chunks;
        for (var i = 0; i < chunks; i++)
        {
            entity["Data" + i.ToString(CultureInfo.InvariantCulture)] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - (i * ChunkChars)));
        }

        return entity;
    }

    public static CustomerRecord FromEntity(TableEntity entity) =>
        JsonSerializer.Deserialize<CustomerRecord>(JsonOf(entity), Json)
            ?? throw new InvalidDataException($"Customer row {entity?.RowKey} has no data.");

    /// <summary>The record's JSON as the row carries it (split over the Data properties).</summary>
    public static string JsonOf(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var chunks = entity.GetInt32("DataChunks") ?? 0;
        if (chunks == 1)
        {
            return entity.GetString("Data0");
        }

        var sb = new StringBuilder();
        for (var i = 0; i < chunks; i++)
        {
            sb.Append(entity.GetString("Data" + i.ToString(CultureInfo.InvariantCulture)));
        }

        return sb.ToString();
    }

    public static TableEntity ToEntity(IdentityKey key, string customerId) =>
        new(IdentityPartition(key), IdentityRow(key)) { ["CustomerId"] = customerId, ["Kind"] = key.Kind.ToString() };

    public static TableEntity ToEntity(Order order, string customerId, string? rawRef)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new TableEntity(OrderPartition(order.Key), OrderRow(order.Key))
        {
            ["SchemaVersion"] = SchemaVersion,
            ["CustomerId"] = customerId,
            ["OrderedAt"] = order.OrderedAt,
            ["UpdatedAt"] = order.UpdatedAt,
            ["Status"] = order.Status.ToString(),
            ["Total"] = order.Total.ToString(CultureInfo.InvariantCulture),
            ["Net"] = order.NetAmount.ToString(CultureInfo.InvariantCulture),
            ["Currency"] = order.Currency,
            ["RawRef"] = rawRef,
            ["Order"] = JsonSerializer.Serialize(order, Json),
        };
    }

    public static Order OrderFromEntity(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return JsonSerializer.Deserialize<Order>(entity.GetString("Order"), Json)
            ?? throw new InvalidDataException($"Order row {entity.RowKey} has no data.");
    }
}
