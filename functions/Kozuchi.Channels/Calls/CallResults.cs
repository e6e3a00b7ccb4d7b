using System.Globalization;
using System.Text;
using Kozuchi.Core.Import;

namespace Kozuchi.Channels.Calls;

public enum CallOutcome
{
    Reached,
    NotReached,
    Purchased,
    Refused,
}

/// <summary>One call as the call centre reports it back.</summary>
public sealed record CallResult(string CustomerId, CallOutcome Outcome, string? RefusalReason, DateTimeOffset? CalledAt, string? Operator)
{
    /// <summary>A refusal that asks for no more calls: the customer becomes do-not-call.</summary>
    public bool RequestsNoCalls => Outcome == CallOutcome.Refused && RefusalReason is { } r
        && (r.Contains("架電拒否", StringComparison.Ordinal) || r.Contains("電話不要", StringComparison.Ordinal) || r.Contains("do not call", StringComparison.OrdinalIgnoreCase) || r.Contains("do-not-call", StringComparison.OrdinalIgnoreCase));
}

public sealed record CallResultError(int Line, string Message);

public sealed record CallResultImport(IReadOnlyList<CallResult> Results, IReadOnlyList<CallResultError> Errors);

/// <summary>
/// Reads the call-result CSV: <c>顧客ID, 結果, 拒否理由, 架電日時, 担当者</c> (English headers <c>customer_id, outcome,
/// refusal_reason, called_at, operator</c> too). Outcomes in Japanese (通話 / 不在 / 購入 / 拒否) or English
/// (reached / not_reached / purchased / refused). Bad rows are reported by line; good rows still count.
/// </summary>
public static class CallResults
{
    private static readonly Dictionary<string, CallOutcome> Outcomes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["reached"] = CallOutcome.Reached, ["通話"] = CallOutcome.Reached, ["接続"] = CallOutcome.Reached,
        ["not_reached"] = CallOutcome.NotReached, ["not reached"] = CallOutcome.NotReached, ["不在"] = CallOutcome.NotReached, ["不通"] = CallOutcome.NotReached,
        ["purchased"] = CallOutcome.Purchased, ["購入"] = CallOutcome.Purchased, ["成約"] = CallOutcome.Purchased,
        ["refused"] = CallOutcome.Refused, ["refusal"] = CallOutcome.Refused, ["拒否"] = CallOutcome.Refused, ["断り"] = CallOutcome.Refused,
    };

    private static readonly string[][] Columns =
    [
        ["顧客ID", "customer_id"], ["結果", "outcome"], ["拒否理由", "refusal_reason"], ["架電日時", "called_at"], ["担当者", "operator"],
    ];

    public static CallResultImport Parse(string csv, TimeZoneInfo shopZone)
    {
        ArgumentNullException.ThrowIfNull(shopZone);
        var rows = Rows(csv).ToList();
        var results = new List<CallResult>();
        var errors = new List<CallResultError>();
        if (rows.Count == 0)
        {
            return new CallResultImport(results, [new CallResultError(1, "The file is empty.")]);
        }

        var header = rows[0].Fields.Select(h => h.Trim().TrimStart('\uFEFF')).ToList();
        var index = Columns.Select(names => header.FindIndex(h => names.Contains(h, StringComparer.OrdinalIgnoreCase))).ToArray();
        if (index[0] < 0 || index[1] < 0)
        {
            return new CallResultImport(results, [new CallResultError(1, "The header needs 顧客ID (customer_id) and 結果 (outcome).")]);
        }

        foreach (var (line, fields) in rows.Skip(1))
        {
            string? At(int column) => index[column] >= 0 && index[column] < fields.Count && fields[index[column]].Trim() is { Length: > 0 } v ? v : null;
            if (fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            var customer = At(0);
            var outcomeText = At(1);
            if (customer is null)
            {
                errors.Add(new CallResultError(line, "No customer id."));
                continue;
            }

            if (outcomeText is null || !Outcomes.TryGetValue(outcomeText, out var outcome))
            {
                errors.Add(new CallResultError(line, $"Unknown outcome '{outcomeText}': use 通話, 不在, 購入 or 拒否."));
                continue;
            }

            DateTimeOffset? calledAt = null;
            if (At(3) is { } when)
            {
                if (!DateTime.TryParse(when, CultureInfo.GetCultureInfo("ja-JP"), DateTimeStyles.None, out var local))
                {
                    errors.Add(new CallResultError(line, $"Unreadable call time '{when}'."));
                    continue;
                }

                // Call centres write the shop's local time without an offset.
                calledAt = new DateTimeOffset(local, shopZone.GetUtcOffset(local));
            }

            results.Add(new CallResult(customer, outcome, At(2), calledAt, At(4)));
        }

        return new CallResultImport(results, errors);
    }

    /// <summary>Accepts UTF-8 or Shift_JIS bytes, as call centres' tools export either.</summary>
    public static CallResultImport Parse(byte[] bytes, TimeZoneInfo shopZone)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var encoding = CsvEncoding.Detect(bytes.AsSpan(0, Math.Min(bytes.Length, 64 * 1024)));
        var text = encoding.GetString(bytes);
        return Parse(text, shopZone);
    }

    private static IEnumerable<(int Line, List<string> Fields)> Rows(string csv)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var line = 1;
        var rowStart = 1;
        for (var i = 0; i < csv.Length; i++)
        {
            var c = csv[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < csv.Length && csv[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    yield return (rowStart, fields);
                    fields = [];
                    line++;
                    rowStart = line;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return (rowStart, fields);
        }
    }
}
