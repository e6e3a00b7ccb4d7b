using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Azure;

namespace Kozuchi.Storage.Customers;

/// <summary>
/// The ETags an ingest session read or wrote, kept small. A bulk import holds one for every order, identity and
/// customer row (about 2.7 per order); kept as (table, partition, row) strings with the ETag's text they were the
/// largest part of the preloaded session (about 330 bytes a row). Here a row is a 64-bit hash of its table and keys,
/// and an ETag of the usual shape (<c>W/"datetime'…'"</c>: the row's timestamp) is kept as its ticks, 24 bytes a row;
/// any other shape is kept as its text. A hash collision can only make a write carry another row's ETag, which the
/// service refuses (412): the callers' conflict path re-reads and decides again, so correctness never rests on the hash.
/// </summary>
internal sealed class RowETags
{
    private const string Prefix = "W/\"datetime'";
    private const string Suffix = "'\"";
    private const string TimestampFormat = "yyyy-MM-dd'T'HH'%3A'mm'%3A'ss.fffffff'Z'";
    private readonly Dictionary<ulong, long> _timestamps = [];
    private readonly Dictionary<ulong, string> _others = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _timestamps.Count + _others.Count;
            }
        }
    }

    /// <summary>ETags kept as text because they did not have the timestamp shape.</summary>
    public int TextCount
    {
        get
        {
            lock (_lock)
            {
                return _others.Count;
            }
        }
    }

    public void Set(string table, string partitionKey, string rowKey, ETag etag)
    {
        var key = Key(table, partitionKey, rowKey);
        var text = etag.ToString();
        var compact = TryTicks(text, out var ticks);
        lock (_lock)
        {
            if (compact)
            {
                _timestamps[key] = ticks;
                _others.Remove(key);
            }
            else
            {
                _others[key] = text;
                _timestamps.Remove(key);
            }
        }
    }

    public void Remove(string table, string partitionKey, string rowKey)
    {
        var key = Key(table, partitionKey, rowKey);
        lock (_lock)
        {
            _timestamps.Remove(key);
            _others.Remove(key);
        }
    }

    public bool TryGet(string table, string partitionKey, string rowKey, out ETag etag)
    {
        var key = Key(table, partitionKey, rowKey);
        lock (_lock)
        {
            if (_timestamps.TryGetValue(key, out var ticks))
            {
                etag = new ETag(Format(ticks));
                return true;
            }

            if (_others.TryGetValue(key, out var text))
            {
                etag = new ETag(text);
                return true;
            }
        }

        etag = default;
        return false;
    }

    /// <summary>Takes over every ETag of <paramref name="source"/> (newer than what this one holds).</summary>
    public void CopyFrom(RowETags source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (source._lock)
        {
            lock (_lock)
            {
                foreach (var (k, v) in source._timestamps)
                {
                    _timestamps[k] = v;
                    _others.Remove(k);
                }

                foreach (var (k, v) in source._others)
                {
                    _others[k] = v;
                    _timestamps.Remove(k);
                }
            }
        }
    }

    private static ulong Key(string table, string partitionKey, string rowKey)
    {
        // A NUL separator (never in table keys) so that ("ab", "c") and ("a", "bc") differ.
        var hash = new XxHash3();
        hash.Append(MemoryMarshal.AsBytes(table.AsSpan()));
        hash.Append([0, 0]);
        hash.Append(MemoryMarshal.AsBytes(partitionKey.AsSpan()));
        hash.Append([0, 0]);
        hash.Append(MemoryMarshal.AsBytes(rowKey.AsSpan()));
        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>Ticks when the ETag has the timestamp shape and formats back to exactly the same text.</summary>
    private static bool TryTicks(string text, out long ticks)
    {
        ticks = 0;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || !text.EndsWith(Suffix, StringComparison.Ordinal) || text.Length <= Prefix.Length + Suffix.Length)
        {
            return false;
        }

        var stamp = text.AsSpan(Prefix.Length, text.Length - Prefix.Length - Suffix.Length);
        if (!DateTime.TryParseExact(stamp, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
        {
            return false;
        }

        ticks = at.Ticks;
        return string.Equals(Format(ticks), text, StringComparison.Ordinal);
    }

    private static string Format(long ticks) =>
        Prefix + new DateTime(ticks, DateTimeKind.Utc).ToString(TimestampFormat, CultureInfo.InvariantCulture) + Suffix;
}
