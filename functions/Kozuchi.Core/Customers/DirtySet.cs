using System.Collections;

namespace Kozuchi.Core.Customers;

/// <summary>
/// The keys of an <see cref="IngestWorkingSet"/> table that a decision changed. Every change the ledger makes to a row
/// marks its key here, so while a journal is open each mark is also recorded in it (a key marked again too): ingest
/// tells what one order's decision touched from the marks alone, instead of copying the whole working set before each
/// order (a group of 800 orders over a few thousand rows made that quadratic). A set of its own rather than a
/// <see cref="HashSet{T}"/>: every way to mark a key goes through the journal.
/// </summary>
public sealed class DirtySet<T> : IReadOnlyCollection<T>
{
    private readonly HashSet<T> _keys;
    private List<T>? _journal;

    public DirtySet()
        : this(EqualityComparer<T>.Default)
    {
    }

    public DirtySet(IEqualityComparer<T> comparer) => _keys = new HashSet<T>(comparer);

    public int Count => _keys.Count;

    /// <summary>Marks the key (and records it in the open journal).</summary>
    public bool Add(T item)
    {
        _journal?.Add(item);
        return _keys.Add(item);
    }

    /// <summary>Marks every key (each recorded in the open journal).</summary>
    public void UnionWith(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            Add(item);
        }
    }

    public bool Contains(T item) => _keys.Contains(item);

    /// <summary>Unmarks these keys (rows written, or held back for another attempt).</summary>
    public void ExceptWith(IEnumerable<T> items) => _keys.ExceptWith(items);

    public void Clear() => _keys.Clear();

    /// <summary>Starts recording marks, from none.</summary>
    public void OpenJournal() => _journal = [];

    /// <summary>The keys marked since the journal was opened or last taken, and a fresh start.</summary>
    public IReadOnlyList<T> TakeJournal()
    {
        var taken = _journal ?? [];
        _journal = _journal is null ? null : [];
        return taken;
    }

    /// <summary>Stops recording.</summary>
    public void CloseJournal() => _journal = null;

    public IEnumerator<T> GetEnumerator() => _keys.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
