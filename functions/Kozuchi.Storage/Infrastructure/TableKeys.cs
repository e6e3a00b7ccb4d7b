using System.IO.Hashing;
using System.Text;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>
/// Partition and row keys. Rows are spread over a fixed number of hash buckets so that ingest has no hot partition
/// and still writes in 100-row batches (one batch is one partition).
/// </summary>
public static class TableKeys
{
    public const int Buckets = 16;

    public static string Bucket(string key) => Bucket(key, Buckets);

    /// <summary>One of <paramref name="buckets"/> (≤ 256) buckets by the key's hash: <c>p00</c>, <c>p01</c>…</summary>
    public static string Bucket(string key, int buckets)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(key));
        return "p" + (hash % (uint)buckets).ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static IEnumerable<string> AllBuckets() => Enumerable.Range(0, Buckets).Select(i => "p" + i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Row keys may not hold / \ # ? or control characters: those (and %) are percent-encoded, reversibly.</summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c))
            {
                sb.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    public static string Unescape(string value) => Uri.UnescapeDataString(value ?? throw new ArgumentNullException(nameof(value)));
}
