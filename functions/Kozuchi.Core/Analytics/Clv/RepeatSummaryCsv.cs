using System.Globalization;
using Kozuchi.Core.Import;

namespace Kozuchi.Core.Analytics.Clv;

/// <summary>The outcome of reading a summary file: the rows, or why the file cannot be used.</summary>
public sealed record RepeatSummaryFile(IReadOnlyList<RepeatSummary> Customers, bool HasMonetaryValue, string? Error)
{
    public bool Ok => Error is null;
}

/// <summary>
/// Reads an analyst's summary CSV: columns <c>frequency</c>, <c>recency</c>, <c>T</c> and optionally
/// <c>monetary_value</c> (the names of the Python <c>lifetimes</c> package), or the papers' <c>x</c>, <c>t_x</c>,
/// <c>T</c>, <c>zbar</c>; an <c>ID</c>/<c>customer_id</c> column is kept when present.
/// </summary>
public static class RepeatSummaryCsv
{
    private static readonly string[] IdNames = ["customer_id", "id"];
    private static readonly string[] FrequencyNames = ["frequency", "x"];
    private static readonly string[] RecencyNames = ["recency", "t_x"];
    private static readonly string[] AgeNames = ["T"];
    private static readonly string[] MonetaryNames = ["monetary_value", "zbar"];

    public static RepeatSummaryFile Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        using var rows = CsvRows.Read(reader).GetEnumerator();
        if (!rows.MoveNext())
        {
            return new([], false, "The file is empty.");
        }

        var header = rows.Current.Fields.Select(f => f.Trim().TrimStart('\uFEFF')).ToList();
        var id = Column(header, IdNames, StringComparison.OrdinalIgnoreCase);
        var frequency = Column(header, FrequencyNames, StringComparison.OrdinalIgnoreCase);
        var recency = Column(header, RecencyNames, StringComparison.OrdinalIgnoreCase);
        // T and t_x differ only by case in the papers' files, so T is matched exactly.
        var age = Column(header, AgeNames, StringComparison.Ordinal);
        var monetary = Column(header, MonetaryNames, StringComparison.OrdinalIgnoreCase);
        if (frequency < 0 || recency < 0 || age < 0)
        {
            return new([], false, "Columns frequency, recency and T are required (or x, t_x and T).");
        }

        var customers = new List<RepeatSummary>();
        while (rows.MoveNext())
        {
            var f = rows.Current.Fields;
            if (f.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (!TryInt(f, frequency, out var x) || !TryDouble(f, recency, out var tx) || !TryDouble(f, age, out var t)
                || x < 0 || tx < 0 || t < tx || (x == 0 && tx != 0))
            {
                return new([], false, $"Line {rows.Current.Line}: frequency must be a whole number ≥ 0 and 0 ≤ recency ≤ T (recency 0 without repeats).");
            }

            var m = 0d;
            if (monetary >= 0 && (!TryDouble(f, monetary, out m) || m < 0))
            {
                return new([], false, $"Line {rows.Current.Line}: monetary_value must be a number ≥ 0.");
            }

            var customerId = id >= 0 && id < f.Count ? f[id] : rows.Current.Line.ToString(CultureInfo.InvariantCulture);
            customers.Add(new RepeatSummary(customerId, x, tx, t, m));
        }

        return customers.Count == 0 ? new([], false, "The file has no customers.") : new(customers, monetary >= 0, null);
    }

    private static int Column(List<string> header, string[] names, StringComparison comparison) =>
        names.Select(n => header.FindIndex(h => string.Equals(h, n, comparison))).FirstOrDefault(i => i >= 0, -1);

    private static bool TryDouble(IReadOnlyList<string> fields, int index, out double value)
    {
        value = 0;
        return index < fields.Count && double.TryParse(fields[index], NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    private static bool TryInt(IReadOnlyList<string> fields, int index, out int value)
    {
        value = 0;
        return TryDouble(fields, index, out var d) && d == Math.Floor(d) && d <= int.MaxValue && (value = (int)d) >= 0;
    }
}
