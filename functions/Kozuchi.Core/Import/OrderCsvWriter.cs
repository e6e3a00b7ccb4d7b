using System.Globalization;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Import;

/// <summary>Writes orders as the Kozuchi order CSV (one row per line, order columns repeated): demo data, exports, round-trip tests.</summary>
public static class OrderCsvWriter
{
    public static void WriteHeader(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(string.Join(',', OrderCsvColumns.All));
        writer.Write("\r\n");
    }

    public static void Write(TextWriter writer, Order order)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(order);
        IReadOnlyList<OrderLine> lines = order.Lines.Count == 0 ? [new OrderLine { ProductName = string.Empty, Quantity = 0 }] : order.Lines;
        foreach (var line in lines)
        {
            string?[] fields =
            [
                order.Key.OrderId,
                order.OrderedAt.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                order.CartCustomerId,
                order.Contact.Email,
                order.Contact.Phone,
                order.Contact.Name,
                order.Contact.PostalCode,
                order.Contact.Address,
                line.Sku,
                line.ProductName,
                line.ProductName.Length == 0 && line.Sku is null ? null : line.Quantity.ToString(CultureInfo.InvariantCulture),
                line.ProductName.Length == 0 && line.Sku is null ? null : line.UnitPrice.ToString(CultureInfo.InvariantCulture),
                order.Total.ToString(CultureInfo.InvariantCulture),
                order.Currency,
                Status(order.Status),
                order.Key.Source,
            ];
            writer.Write(string.Join(',', fields.Select(CsvRows.Escape)));
            writer.Write("\r\n");
        }
    }

    public static string Status(OrderStatus status) => status switch
    {
        OrderStatus.Paid => "paid",
        OrderStatus.Pending => "pending",
        OrderStatus.Cancelled => "cancelled",
        OrderStatus.Refunded => "refunded",
        OrderStatus.PartiallyRefunded => "partially_refunded",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}

/// <summary>The error report written beside an import: one row per rejected row, with the original text.</summary>
public static class ImportErrorReport
{
    public static void Write(TextWriter writer, IEnumerable<ImportRowError> errors)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(errors);
        writer.Write("line,column,reason,raw\r\n");
        foreach (var e in errors)
        {
            writer.Write(string.Join(',', new[] { e.Line.ToString(CultureInfo.InvariantCulture), e.Column, e.Reason, e.Raw }.Select(CsvRows.Escape)));
            writer.Write("\r\n");
        }
    }
}
