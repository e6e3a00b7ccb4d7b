using Azure;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Storage.Tests.Customers;

public sealed class RowETagsTests
{
    [Theory]
    [InlineData("W/\"datetime'2026-11-26T00%3A47%3A40.1234567Z'\"")]
    [InlineData("W/\"datetime'1999-01-01T23%3A59%3A59.0000000Z'\"")]
    public void A_timestamp_etag_is_kept_as_ticks_and_comes_back_exactly_as_it_was(string text)
    {
        var etags = new RowETags();
        etags.Set("KozuchiOrders", "b07", "csv|100001", new ETag(text));

        Assert.True(etags.TryGet("KozuchiOrders", "b07", "csv|100001", out var back));
        Assert.Equal(text, back.ToString());
        Assert.Equal((1, 0), (etags.Count, etags.TextCount));
    }

    [Theory]
    [InlineData("\"0x8DC1234567890AB\"")]
    [InlineData("W/\"datetime'2026-11-26T00%3A47%3A40.123Z'\"")]
    [InlineData("W/\"datetime'2026-11-26T00:47:40.1234567Z'\"")]
    [InlineData("W/\"datetime'not a time'\"")]
    [InlineData("W/\"datetime''\"")]
    public void An_etag_of_any_other_shape_is_kept_as_its_text(string text)
    {
        var etags = new RowETags();
        etags.Set("KozuchiCustomers", "b01", "c1", new ETag(text));

        Assert.True(etags.TryGet("KozuchiCustomers", "b01", "c1", out var back));
        Assert.Equal(text, back.ToString());
        Assert.Equal((1, 1), (etags.Count, etags.TextCount));
    }

    [Fact]
    public void Rows_are_told_apart_by_table_partition_and_row_and_a_later_etag_replaces_an_earlier_one_of_either_shape()
    {
        var etags = new RowETags();
        etags.Set("KozuchiOrders", "b01", "x", new ETag("\"text\""));
        etags.Set("KozuchiIdentities", "b01", "x", new ETag("\"other\""));
        etags.Set("KozuchiOrders", "b01", "x", new ETag("W/\"datetime'2026-01-01T00%3A00%3A00.0000002Z'\""));
        etags.Set("KozuchiOrders", "b0", "1x", new ETag("W/\"datetime'2026-01-01T00%3A00%3A00.0000003Z'\""));

        Assert.True(etags.TryGet("KozuchiOrders", "b01", "x", out var orders));
        Assert.Equal("W/\"datetime'2026-01-01T00%3A00%3A00.0000002Z'\"", orders.ToString());
        Assert.True(etags.TryGet("KozuchiIdentities", "b01", "x", out var identities));
        Assert.Equal("\"other\"", identities.ToString());
        Assert.True(etags.TryGet("KozuchiOrders", "b0", "1x", out var split));
        Assert.Equal("W/\"datetime'2026-01-01T00%3A00%3A00.0000003Z'\"", split.ToString());
        Assert.False(etags.TryGet("KozuchiOrders", "b02", "x", out _));
        Assert.False(etags.TryGet("KozuchiCustomers", "b01", "x", out _));
        Assert.Equal((3, 1), (etags.Count, etags.TextCount));
    }

    [Fact]
    public void Copying_takes_over_the_sources_etags_and_keeps_the_rest()
    {
        var target = new RowETags();
        target.Set("T", "p", "kept", new ETag("\"a\""));
        target.Set("T", "p", "replaced", new ETag("\"old\""));
        var source = new RowETags();
        source.Set("T", "p", "replaced", new ETag("W/\"datetime'2026-01-01T00%3A00%3A00.0000001Z'\""));

        target.CopyFrom(source);

        Assert.True(target.TryGet("T", "p", "kept", out var kept));
        Assert.Equal("\"a\"", kept.ToString());
        Assert.True(target.TryGet("T", "p", "replaced", out var replaced));
        Assert.Equal("W/\"datetime'2026-01-01T00%3A00%3A00.0000001Z'\"", replaced.ToString());
        Assert.Equal((2, 1), (target.Count, target.TextCount));
    }
}
