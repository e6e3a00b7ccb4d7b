using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Core.Common;
using Kozuchi.Core.Import;

namespace Kozuchi.Core.Erasure;

/// <summary>What to do with a CSV row that is the erased person's.</summary>
public enum RowAction
{
    /// <summary>Blank the personal fields, keep the rest (order ids and amounts still import and count).</summary>
    Blank,

    /// <summary>Drop the row (a mailing or call list, an error report: nothing in it is needed without the person).</summary>
    Drop,
}

/// <summary>
/// Removes one person's data from stored documents that hold many people's data (a raw webhook body, an import chunk,
/// a CSV file), leaving everyone else's untouched and keeping order ids and amounts, so that replaying or re-importing
/// the document still counts the revenue. Pure: text in, text out, and how many values were removed.
/// </summary>
public static class Redaction
{
    /// <summary>Keys that hold a person's data in the order formats Kozuchi stores (Shopify, Kozuchi JSON, import chunks).</summary>
    private static readonly HashSet<string> PersonalKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "customer", "contact", "email", "contact_email", "phone", "billing_address", "shipping_address", "default_address", "addresses",
        "first_name", "last_name", "name_kana", "nameKana", "postal_code", "postalCode", "zip", "address", "address1", "address2",
        "city", "company", "birthday", "cartCustomerId", "browser_ip", "client_details", "note", "latitude", "longitude",
    };

    private static readonly string[] OrderIdKeys = ["id", "order_id", "orderId"];

    /// <summary>
    /// Redacts a JSON document or newline-delimited JSON. An object that is one of the person's orders (<paramref
    /// name="orderKeys"/>, <c>source:id</c>; the source is the object's own <c>source</c>, else <paramref
    /// name="defaultSource"/>, the format's) or that names the person loses its personal keys; then any string anywhere that is or contains one of the
    /// person's values is emptied. A removed <c>customer</c> object is replaced by <c>{"ref": anonymousRef}</c>: formats
    /// that require a customer still parse, and a replay keeps the person's orders together on one anonymous customer.
    /// Returns null when nothing changed (the caller leaves the document as it is).
    /// </summary>
    public static (string Text, int Removed)? Json(string text, PersonalData person, IReadOnlySet<string> orderKeys, string anonymousRef, string? defaultSource = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(person);
        ArgumentNullException.ThrowIfNull(orderKeys);
        var orderIds = new OrderMatch(orderKeys, defaultSource);
        var trimmed = text.TrimStart();
        var lines = trimmed.StartsWith('{') && IsSingleDocument(text) ? [text] : text.Split('\n');
        var removed = 0;
        var output = new List<string>(lines.Length);
        foreach (var line in lines)
        {
            if (line.Trim().Length == 0)
            {
                output.Add(line);
                continue;
            }

            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException)
            {
                // Not JSON (a rejected body kept for inspection): treated as text.
                output.Add(person.Mentions(line) ? string.Empty : line);
                removed += person.Mentions(line) ? 1 : 0;
                continue;
            }

            var count = Walk(node, person, orderIds, anonymousRef, carrier: false);
            removed += count;
            output.Add(count == 0 ? line : node?.ToJsonString(WriteOptions) ?? line);
        }

        return removed == 0 ? null : (string.Join('\n', output), removed);
    }

    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static bool IsSingleDocument(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static int Walk(JsonNode? node, PersonalData person, OrderMatch orderIds, string anonymousRef, bool carrier)
    {
        var removed = 0;
        switch (node)
        {
            case JsonObject obj:
                var isCarrier = carrier || IsCarrier(obj, person, orderIds);
                if (isCarrier)
                {
                    foreach (var key in obj.Select(p => p.Key).Where(PersonalKeys.Contains).ToList())
                    {
                        var wasCustomer = key == "customer" && obj[key] is JsonObject { Count: > 0 } c && !(c.Count == 1 && c["ref"] is JsonValue r && r.TryGetValue<string>(out var existing) && existing == anonymousRef);
                        if (key == "customer" && !wasCustomer && obj[key] is JsonObject)
                        {
                            continue;
                        }

                        obj.Remove(key);
                        removed++;
                        if (wasCustomer)
                        {
                            obj["customer"] = new JsonObject { ["ref"] = anonymousRef };
                        }
                    }
                }

                foreach (var (key, value) in obj.ToList())
                {
                    if (value is JsonValue v && v.TryGetValue<string>(out var s) && (person.Identifies(s) || person.Mentions(s) || (isCarrier && key == "name" && person.IsPersonal(s))))
                    {
                        obj[key] = string.Empty;
                        removed++;
                    }
                    else
                    {
                        removed += Walk(value, person, orderIds, anonymousRef, carrier: false);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue v && v.TryGetValue<string>(out var s) && (person.Identifies(s) || person.Mentions(s)))
                    {
                        array[i] = string.Empty;
                        removed++;
                    }
                    else
                    {
                        removed += Walk(array[i], person, orderIds, anonymousRef, carrier: false);
                    }
                }

                break;
        }

        return removed;
    }

    /// <summary>An order of the person (by id, or an import chunk's key), or any object one of whose values names them.</summary>
    private static bool IsCarrier(JsonObject obj, PersonalData person, OrderMatch orderIds)
    {
        var source = obj["source"] is JsonValue sv && sv.TryGetValue<string>(out var s) ? s : null;
        foreach (var key in OrderIdKeys)
        {
            if (obj[key] is JsonValue id && Scalar(id) is { } text && orderIds.Matches(source, text))
            {
                return true;
            }
        }

        if (obj["key"] is JsonObject k && k["orderId"] is JsonValue kid && Scalar(kid) is { } keyText
            && orderIds.Matches(k["source"] is JsonValue ks && ks.TryGetValue<string>(out var keySource) ? keySource : null, keyText))
        {
            return true;
        }

        return obj.Any(p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) && person.Identifies(s));
    }

    /// <summary>Order keys of the person; an object whose source is unknown matches on the id alone.</summary>
    private sealed class OrderMatch(IReadOnlySet<string> keys, string? defaultSource)
    {
        private readonly HashSet<string> _ids = keys.Select(k => k[(k.IndexOf(':', StringComparison.Ordinal) + 1)..]).ToHashSet(StringComparer.Ordinal);

        public bool Matches(string? source, string id) =>
            (source ?? defaultSource) is { } s ? keys.Contains(s + ":" + id) : _ids.Contains(id);
    }

    private static string? Scalar(JsonValue value) =>
        value.TryGetValue<string>(out var s) ? s
        : value.TryGetValue<long>(out var l) ? l.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : null;

    /// <summary>
    /// Redacts CSV text: a row is the person's when one of its fields identifies them, mentions one of their values,
    /// or equals one of <paramref name="rowKeys"/> (their customer ids in an export). Other rows keep their exact text.
    /// Returns null when nothing changed.
    /// </summary>
    public static (string Text, int Rows)? Csv(string text, PersonalData person, IReadOnlySet<string> rowKeys, RowAction action)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(person);
        ArgumentNullException.ThrowIfNull(rowKeys);
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var sb = new StringBuilder(text.Length);
        var rows = 0;
        using var reader = new StringReader(text);
        foreach (var record in CsvRows.Read(reader))
        {
            var theirs = record.Fields.Any(f => rowKeys.Contains(f.Trim()) || person.Identifies(f) || person.Mentions(f));
            if (!theirs)
            {
                sb.Append(record.Raw).Append(newline);
                continue;
            }

            rows++;
            if (action == RowAction.Blank)
            {
                sb.Append(string.Join(',', record.Fields.Select(f => person.IsPersonal(f) ? string.Empty : CsvWriter.Verbatim(f)))).Append(newline);
            }
        }

        return rows == 0 ? null : (sb.ToString(), rows);
    }

    /// <summary>
    /// The person's rows of a CSV file with a header (what <see cref="Csv"/> would drop), each as column → value: what a
    /// data request shows of a DM or call list that named them.
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> CsvRowsOf(string text, PersonalData person, IReadOnlySet<string> rowKeys)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(person);
        ArgumentNullException.ThrowIfNull(rowKeys);
        var rows = new List<IReadOnlyDictionary<string, string>>();
        IReadOnlyList<string>? header = null;
        using var reader = new StringReader(text);
        foreach (var record in CsvRows.Read(reader))
        {
            if (header is null)
            {
                header = record.Fields;
                continue;
            }

            if (record.Fields.Any(f => rowKeys.Contains(f.Trim()) || person.Identifies(f) || person.Mentions(f)))
            {
                var row = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < record.Fields.Count; i++)
                {
                    row[i < header.Count && header[i].Length > 0 ? header[i] : "column" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)] = record.Fields[i];
                }

                rows.Add(row);
            }
        }

        return rows;
    }
}
