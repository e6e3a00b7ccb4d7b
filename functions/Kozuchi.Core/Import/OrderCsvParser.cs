using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Orders.Formats;
using C = Kozuchi.Core.Import.OrderCsvColumns;

namespace Kozuchi.Core.Import;

/// <summary>A row that could not be imported: where, which column, why, and the row as it was.</summary>
public sealed record ImportRowError(int Line, string Column, string Reason, string Raw);

/// <summary>Orders parsed so far, handed over in chunks so a million-row file never sits in memory.</summary>
public sealed record OrderCsvChunk(IReadOnlyList<Order> Orders, IReadOnlyList<ImportRowError> Errors);

public sealed record ImportSummary
{
    public int RowsRead { get; set; }
    public int OrdersAccepted { get; set; }
    public int OrdersRejected { get; set; }
    public int RowsRejected { get; set; }
}

/// <summary>
/// Reads an order CSV (the Kozuchi format, or a cart's through a <see cref="CsvMapping"/>) into orders. Rows of one
/// order must be consecutive, as every cart exports them; an order with any bad row is rejected whole and each of its
/// rows is reported, so nothing vanishes and nothing half-imports.
/// </summary>
public sealed partial class OrderCsvParser(CsvMapping mapping, TimeZoneInfo zone)
{
    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd", "yyyy/MM/dd HH:mm:ss", "yyyy/MM/dd HH:mm", "yyyy/MM/dd",
        "yyyy/M/d H:mm:ss", "yyyy/M/d H:mm", "yyyy/M/d", "yyyyMMdd",
    ];

    public ImportSummary Summary { get; } = new();

    public IEnumerable<OrderCsvChunk> Parse(TextReader reader, int chunkSize = 2000)
    {
        ArgumentNullException.ThrowIfNull(reader);
        using var records = CsvRows.Read(reader).GetEnumerator();
        if (!records.MoveNext())
        {
            yield return new OrderCsvChunk([], [new ImportRowError(1, string.Empty, "The file is empty: a header row is required.", string.Empty)]);
            yield break;
        }

        var header = records.Current.Fields.Select((name, i) => (Name: name.Trim().TrimStart('\uFEFF'), Index: i)).GroupBy(h => h.Name).ToDictionary(g => g.Key, g => g.First().Index, StringComparer.Ordinal);
        var missing = mapping.Columns.Where(c => c.Key is C.OrderId or C.OrderedAt or C.OrderTotal).SelectMany(c => c.Value.From).Where(f => !header.ContainsKey(f)).ToList();
        if (missing.Count > 0)
        {
            yield return new OrderCsvChunk([], [new ImportRowError(1, string.Join(", ", missing), $"Header lacks required column(s) {string.Join(", ", missing)} for mapping '{mapping.Name}'.", records.Current.Raw)]);
            yield break;
        }

        var seen = new Dictionary<OrderKey, int>();
        var orders = new List<Order>(chunkSize);
        var errors = new List<ImportRowError>();
        var group = new List<(CsvRecord Record, Dictionary<string, string> Values)>();
        OrderKey? groupKey = null;

        while (records.MoveNext())
        {
            var record = records.Current;
            Summary.RowsRead++;
            var values = Map(record, header);
            var id = values.GetValueOrDefault(C.OrderId);
            if (string.IsNullOrEmpty(id))
            {
                Reject(errors, [(record, values)], record.Line, C.OrderId, "order_id is required.");
                continue;
            }

            var key = new OrderKey(values.GetValueOrDefault(C.Source) is { Length: > 0 } s ? s : mapping.Source ?? "csv", id);
            if (groupKey == key)
            {
                group.Add((record, values));
                continue;
            }

            Flush();
            if (seen.TryGetValue(key, out var firstLine))
            {
                Reject(errors, [(record, values)], record.Line, C.OrderId, $"Rows of order {id} are not together: it already appeared at line {firstLine}.");
                continue;
            }

            seen[key] = record.Line;
            groupKey = key;
            group.Add((record, values));
            if (orders.Count >= chunkSize)
            {
                yield return new OrderCsvChunk(orders, errors);
                orders = new List<Order>(chunkSize);
                errors = [];
            }
        }

        Flush();
        yield return new OrderCsvChunk(orders, errors);

        void Flush()
        {
            if (groupKey is { } k && group.Count > 0)
            {
                var (order, error) = Build(k, group);
                if (order is not null)
                {
                    orders.Add(order);
                    Summary.OrdersAccepted++;
                }
                else
                {
                    Reject(errors, group, error!.Value.Line, error.Value.Column, error.Value.Reason);
                }
            }

            group.Clear();
            groupKey = null;
        }
    }

    private void Reject(List<ImportRowError> errors, IReadOnlyList<(CsvRecord Record, Dictionary<string, string> Values)> rows, int line, string column, string reason)
    {
        Summary.OrdersRejected++;
        Summary.RowsRejected += rows.Count;
        foreach (var (record, _) in rows)
        {
            errors.Add(record.Line == line
                ? new ImportRowError(line, column, reason, record.Raw)
                : new ImportRowError(record.Line, column, $"Order rejected with line {line}: {reason}", record.Raw));
        }
    }

    private Dictionary<string, string> Map(CsvRecord record, Dictionary<string, int> header)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (column, rule) in mapping.Columns)
        {
            // A literal NULL (a cart's database export) is an empty cell.
            var parts = rule.From.Select(f => header.TryGetValue(f, out var i) && i < record.Fields.Count ? record.Fields[i].Trim() : string.Empty).Where(p => !JsonRead.IsMissing(p));
            var value = string.Join(rule.Separator, parts);
            if (value.Length > 0)
            {
                values[column] = value;
            }
        }

        return values;
    }

    private (Order? Order, (int Line, string Column, string Reason)? Error) Build(OrderKey key, List<(CsvRecord Record, Dictionary<string, string> Values)> rows)
    {
        var first = rows[0].Values;
        foreach (var (record, values) in rows.Skip(1))
        {
            foreach (var column in C.OrderLevel)
            {
                var v = values.GetValueOrDefault(column);
                if (v is null && mapping.BlankRepeatsFirstRow)
                {
                    continue;
                }

                if (!string.Equals(v, first.GetValueOrDefault(column), StringComparison.Ordinal))
                {
                    return (null, (record.Line, column, $"{column} differs from the order's first row (line {rows[0].Record.Line})."));
                }
            }
        }

        var line = rows[0].Record.Line;
        try
        {
            var orderedAt = Time(first.GetValueOrDefault(C.OrderedAt)) ?? throw new RowException(C.OrderedAt, "ordered_at is required.");
            var total = Amount(first.GetValueOrDefault(C.OrderTotal), C.OrderTotal) ?? throw new RowException(C.OrderTotal, "order_total is required.");
            var customerRef = first.GetValueOrDefault(C.CustomerRef);
            var email = first.GetValueOrDefault(C.Email);
            var phone = first.GetValueOrDefault(C.Phone);
            if (customerRef is null && email is null && phone is null)
            {
                throw new RowException(C.CustomerRef, "At least one of customer_ref, email, phone is required.");
            }

            var lines = new List<OrderLine>();
            foreach (var (record, values) in rows)
            {
                line = record.Line;
                var sku = values.GetValueOrDefault(C.Sku);
                var name = values.GetValueOrDefault(C.ProductName) ?? sku;
                if (name is null)
                {
                    continue;
                }

                var quantity = values.GetValueOrDefault(C.Quantity) is { } q
                    ? int.TryParse(Normalize(q), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : throw new RowException(C.Quantity, $"quantity '{q}' is not a whole number ≥ 0.")
                    : 1;
                lines.Add(new OrderLine { Sku = sku, ProductName = name, Quantity = quantity, UnitPrice = Amount(values.GetValueOrDefault(C.UnitPrice), C.UnitPrice) ?? 0m });
            }

            line = rows[0].Record.Line;
            var status = first.GetValueOrDefault(C.Status) is { } s ? ParseStatus(s) : OrderStatus.Paid;
            if (first.ContainsKey(C.CancelledAt))
            {
                status = OrderStatus.Cancelled;
            }

            var currency = first.GetValueOrDefault(C.Currency)?.ToUpperInvariant() ?? "JPY";
            if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
            {
                throw new RowException(C.Currency, $"currency '{currency}' is not an ISO 4217 code.");
            }

            var refunded = Amount(first.GetValueOrDefault(C.RefundedAmount), C.RefundedAmount) ?? (status == OrderStatus.Refunded ? total : 0m);
            var country = IdentityNormalizer.Country(first.GetValueOrDefault(C.Country));
            var region = AddressFormat.Region(country, first.GetValueOrDefault(C.Prefecture));
            FulfillmentStatus fulfillment;
            try
            {
                // Shopify's export writes pending for nothing shipped yet and restocked for goods that went out and came back.
                fulfillment = first.GetValueOrDefault(C.FulfillmentStatus) switch
                {
                    null or "pending" => FulfillmentStatus.None,
                    "restocked" => FulfillmentStatus.Fulfilled,
                    var f => KozuchiOrderJson.ParseFulfillment(f),
                };
            }
            catch (FormatException ex)
            {
                throw new RowException(C.FulfillmentStatus, ex.Message);
            }

            return (new Order
            {
                Key = key,
                OrderedAt = orderedAt,
                UpdatedAt = Time(first.GetValueOrDefault(C.UpdatedAt)) ?? orderedAt,
                CartCustomerId = customerRef,
                Contact = new OrderContact
                {
                    Email = email,
                    Phone = phone,
                    Name = first.GetValueOrDefault(C.Name),
                    PostalCode = first.GetValueOrDefault(C.PostalCode),
                    Country = country,
                    Region = region,
                    City = first.GetValueOrDefault(C.City),
                    AddressLine1 = first.GetValueOrDefault(C.Address1),
                    AddressLine2 = first.GetValueOrDefault(C.Address2),
                    Address = first.GetValueOrDefault(C.Address)
                        ?? AddressFormat.OneLine(country, region, first.GetValueOrDefault(C.City), first.GetValueOrDefault(C.Address1), first.GetValueOrDefault(C.Address2)),
                    EmailOptIn = first.GetValueOrDefault(C.AcceptsMarketing) is { } m ? m.Trim().ToLowerInvariant() is "yes" or "true" or "1" or "はい" or "希望する" : null,
                },
                Lines = lines,
                Total = total,
                Currency = currency,
                Status = status,
                RefundedAmount = Math.Min(total, refunded),
                Fulfillment = fulfillment,
            }, null);
        }
        catch (RowException ex)
        {
            return (null, (line, ex.Column, ex.Message));
        }
    }

    private OrderStatus ParseStatus(string value)
    {
        var mapped = mapping.Status.TryGetValue(value.Trim(), out var m) ? m : value;
        try
        {
            return KozuchiOrderJson.ParseStatus(mapped);
        }
        catch (FormatException)
        {
            throw new RowException(C.Status, $"status '{value}' is not known; use paid, pending, cancelled, refunded or partially_refunded (or map it).");
        }
    }

    private static string Normalize(string value) => value.Normalize(NormalizationForm.FormKC).Trim();

    private static decimal? Amount(string? value, string column)
    {
        if (value is null)
        {
            return null;
        }

        // 0x5C is ¥ in Shift_JIS but '\' once decoded: Japanese Excel saves "¥3,960" as "\3,960". In an amount it can only be the yen sign.
        var cleaned = Normalize(value).Replace(",", string.Empty, StringComparison.Ordinal).Replace("¥", string.Empty, StringComparison.Ordinal).Replace("\\", string.Empty, StringComparison.Ordinal)
            .Replace("円", string.Empty, StringComparison.Ordinal).Replace("$", string.Empty, StringComparison.Ordinal).Trim();
        return decimal.TryParse(cleaned, NumberStyles.Number, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new RowException(column, $"{column} '{value}' is not an amount.");
    }

    private DateTimeOffset? Time(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var text = CompactOffset().Replace(Normalize(value), "$1:$2");
        if (DateTime.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var exact))
        {
            return new DateTimeOffset(exact, zone.GetUtcOffset(exact));
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            return parsed.Kind == DateTimeKind.Unspecified
                ? new DateTimeOffset(parsed, zone.GetUtcOffset(parsed))
                : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None);
        }

        throw new RowException(C.OrderedAt, $"'{value}' is not a date (use ISO 8601, yyyy/MM/dd HH:mm or yyyy-MM-dd).");
    }

    /// <summary>"+0900" (Shopify's export) → "+09:00".</summary>
    [GeneratedRegex(@"([+-]\d{2})(\d{2})$")]
    private static partial Regex CompactOffset();

    private sealed class RowException(string column, string message) : Exception(message)
    {
        public string Column { get; } = column;
    }
}
