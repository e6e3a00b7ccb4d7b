using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Tests.Customers;

public sealed class DirtySetTests
{
    [Fact]
    public void Journal_records_every_mark_made_while_open_a_key_marked_again_too_and_starts_afresh_when_taken()
    {
        var dirty = new DirtySet<string>(StringComparer.Ordinal) { "before" };
        dirty.OpenJournal();

        dirty.Add("a");
        dirty.Add("before");
        Assert.Equal(["a", "before"], dirty.TakeJournal());

        dirty.UnionWith(["b", "a"]);
        Assert.Equal(["b", "a"], dirty.TakeJournal());
        Assert.Empty(dirty.TakeJournal());

        dirty.CloseJournal();
        dirty.Add("c");
        Assert.Empty(dirty.TakeJournal());
        Assert.Equal(["a", "b", "before", "c"], dirty.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Unmarking_keys_leaves_the_journal_as_it_was()
    {
        var dirty = new DirtySet<int>();
        dirty.OpenJournal();
        dirty.UnionWith([1, 2, 3]);

        dirty.ExceptWith([2]);

        Assert.Equal([1, 3], dirty.Order());
        Assert.Equal([1, 2, 3], dirty.TakeJournal());
        dirty.Clear();
        Assert.Empty(dirty);
    }
}
