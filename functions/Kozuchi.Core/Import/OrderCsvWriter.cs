using System.Globalization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Import;

/// <summary>Writes orders as the Kozuchi order CSV (one row per line, order columns repeated): demo data, exports, round-trip tests.</summary>
public static class OrderCsvWriter
{
    public static void WriteHeader(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(string.Join(',', OrderCsvColumns.All));
        writer.Write(CsvWriter.NewLine);
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
            writer.Write(string.Join(',', fields.Select(CsvWriter.Verbatim)));
            writer.Write(CsvWriter.NewLine);
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

/// <summary>
/// The error report written beside an import: one row per rejected row, with the original text. People open it in a
/// spreadsheet, so it goes through <see cref="CsvWriter"/>: a row's text that starts like a formula is shown, not run.
/// </summary>
public static class ImportErrorReport
{
    public static void Write(TextWriter writer, IEnumerable<ImportRowError> errors)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(errors);
        writer.Write(CsvWriter.Row("line", "column", "reason", "raw"));
        foreach (var e in errors)
        {
            writer.Write(string.Join(',', CsvWriter.Value(e.Line), CsvWriter.Cell(e.Column), CsvWriter.Cell(e.Reason), CsvWriter.Cell(e.Raw)));
            writer.Write(CsvWriter.NewLine);
        }
    }
}
