using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Tests.Infrastructure;

public sealed class StorageNamesTests
{
    [Fact]
    public void Production_names_are_the_logical_names()
    {
        Assert.Equal("KozuchiRuntime", StorageNames.Default.Table("KozuchiRuntime"));
        Assert.Equal("orders-incoming", StorageNames.Default.Queue("orders-incoming"));
        Assert.Equal("orders-incoming-poison", StorageNames.Default.PoisonQueue("orders-incoming"));
        Assert.Equal("raw", StorageNames.Default.Container("raw"));
    }

    [Fact]
    public void A_prefix_isolates_tables_queues_and_containers_within_azure_naming_rules()
    {
        var names = new StorageNames("t1a2b3c4");
        Assert.Equal("t1a2b3c4KozuchiRuntime", names.Table("KozuchiRuntime"));
        Assert.Equal("t1a2b3c4-orders-incoming", names.Queue("orders-incoming"));
        Assert.Equal("t1a2b3c4-orders-incoming-poison", names.PoisonQueue("orders-incoming"));
    }

    [Theory]
    [InlineData("T1")]
    [InlineData("1abc")]
    [InlineData("ab-c")]
    [InlineData("abcdefghijklm")]
    public void Prefixes_that_would_break_azure_names_are_refused(string prefix) =>
        Assert.Throws<ArgumentException>(() => new StorageNames(prefix));

    [Fact]
    public void Every_catalogued_name_is_valid_for_its_service()
    {
        foreach (var t in StorageCatalog.Tables.All)
        {
            Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,62}$", t);
        }

        foreach (var name in StorageCatalog.Queues.All.Concat(StorageCatalog.Containers.All))
        {
            // Room for a test prefix and the "-poison" suffix within 63 characters.
            Assert.Matches("^[a-z0-9](?!.*--)[a-z0-9-]{1,40}[a-z0-9]$", name);
        }
    }
}
