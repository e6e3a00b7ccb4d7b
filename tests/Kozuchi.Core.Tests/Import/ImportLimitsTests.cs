using Kozuchi.Core.Import;

namespace Kozuchi.Core.Tests.Import;

/// <summary>
/// What a file cannot make the importer do: read a binary file as orders, import an order without its columns, or
/// hold a huge field or line in memory. Limits: 64 KiB a field, 1 MiB a row (<see cref="CsvLimits.Import"/>).
/// </summary>
public sealed class ImportLimitsTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private const string Header = "order_id,ordered_at,customer_ref,sku,product_name,quantity,unit_price,order_total\n";

    private static (List<OrderCsvChunk> Chunks, ImportSummary Summary) Parse(TextReader reader, bool looksBinary = false)
    {
        var parser = new OrderCsvParser(CsvMapping.Kozuchi, Tokyo);
        var chunks = parser.Parse(reader, looksBinary: looksBinary).ToList();
        return (chunks, parser.Summary);
    }

    [Fact]
    public void A_binary_file_is_refused_as_a_whole_and_none_of_it_reaches_the_error_report()
    {
        var zip = new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0x62, 0xEE, 0x9D, 0x68, 0x5E, 0x01, 0x00, 0x00, (byte)'\n', 0x90, 0x04 };
        using var reader = CsvEncoding.Open(new MemoryStream(zip), null, out var looksBinary);

        var (chunks, summary) = Parse(reader, looksBinary);

        Assert.Contains("not a CSV text file", summary.HeaderProblem, StringComparison.Ordinal);
        var error = Assert.Single(chunks.SelectMany(c => c.Errors));
        Assert.Equal(string.Empty, error.Raw);
        Assert.Empty(chunks.SelectMany(c => c.Orders));
    }

    [Fact]
    public void An_image_whose_first_line_decodes_to_text_is_still_seen_as_binary()
    {
        byte[] png = [0x89, .. "PNG\r\n"u8, 0x1A, (byte)'\n', 0, 0, 0, 13, .. "IHDR"u8, 0, 0, 1, 0];
        using var reader = CsvEncoding.Open(new MemoryStream(png), null, out var looksBinary);

        var (_, summary) = Parse(reader, looksBinary);

        Assert.True(looksBinary);
        Assert.Contains("not a CSV text file", summary.HeaderProblem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("order_id,ordered_at\r\n1,2026-10-01\r\n\u001a")]
    [InlineData("order_id\tordered_at\r\n")]
    public void A_text_file_with_tabs_or_a_closing_ctrl_z_is_text(string text) =>
        Assert.False(CsvEncoding.LooksBinary(System.Text.Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void A_file_without_the_required_columns_says_which_in_the_header_problem()
    {
        var (_, summary) = Parse(new StringReader("id,date,amount\n1,2026-10-01,100\n"));

        Assert.Equal("Header lacks required column(s) order_id, ordered_at, order_total for mapping 'kozuchi'.", summary.HeaderProblem);
        Assert.Equal(0, summary.OrdersAccepted);
    }

    [Fact]
    public void A_row_with_a_field_over_64_KB_rejects_its_order_whole_and_the_next_orders_import()
    {
        var big = new string('x', 64 * 1024 + 1);
        var csv = Header
            + "1,2026-10-01,c1,A,a,1,100,300\n"
            + $"1,2026-10-01,c1,B,{big},1,200,300\n"
            + "2,2026-10-02,c2,A,a,1,100,100\n";

        var (chunks, summary) = Parse(new StringReader(csv));

        Assert.Equal(["2"], chunks.SelectMany(c => c.Orders).Select(o => o.Key.OrderId));
        var errors = chunks.SelectMany(c => c.Errors).ToList();
        Assert.Equal([2, 3], errors.Select(e => e.Line));
        Assert.Contains("Field 5 is longer than 65,536 characters", errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("Order rejected with line 3", errors[0].Reason, StringComparison.Ordinal);
        Assert.True(errors[1].Raw.Length <= CsvLimits.KeptChars + 1);
        Assert.Equal((1, 1, 2), (summary.OrdersAccepted, summary.OrdersRejected, summary.RowsRejected));
    }

    [Fact]
    public void A_line_over_1_MB_is_skipped_to_its_end_without_being_kept()
    {
        // Twenty fields of 60,000 characters: each within the field limit, the row over the line limit.
        var wide = string.Concat(Enumerable.Repeat("," + new string('y', 60_000), 20));
        var csv = Header + "1,2026-10-01,c1,A,a,1,100,100" + wide + "\n" + "2,2026-10-02,c2,A,a,1,100,100\n";

        var (chunks, summary) = Parse(new StringReader(csv));

        Assert.Equal(["2"], chunks.SelectMany(c => c.Orders).Select(o => o.Key.OrderId));
        var error = Assert.Single(chunks.SelectMany(c => c.Errors));
        Assert.Equal("The row is longer than 1,048,576 characters; it was skipped.", error.Reason);
        Assert.True(error.Raw.Length <= CsvLimits.KeptChars + 1, $"kept {error.Raw.Length} characters");
        Assert.Equal(1, summary.OrdersRejected);
    }

    [Fact]
    public void An_unclosed_quote_ends_the_file_as_one_rejected_row_not_an_unbounded_buffer()
    {
        var csv = Header + "1,2026-10-01,c1,A,\"never closed" + string.Concat(Enumerable.Repeat(new string('z', 1000) + "\n", 2000));

        var (chunks, _) = Parse(new StringReader(csv));

        var error = Assert.Single(chunks.SelectMany(c => c.Errors));
        Assert.Equal(2, error.Line);
        Assert.True(error.Raw.Length <= CsvLimits.KeptChars + 1);
    }

    [Fact]
    public void Rows_within_the_limits_are_read_exactly_as_before()
    {
        var field = new string('w', 64 * 1024);
        using var reader = new StringReader($"a,\"{field}\",c\n");

        var record = Assert.Single(CsvRows.Read(reader, CsvLimits.Import));

        Assert.Null(record.Problem);
        Assert.Equal(["a", field, "c"], record.Fields);
    }

    [Fact]
    public void An_error_report_holds_no_control_character_and_neutralises_formulas()
    {
        using var writer = new StringWriter();
        ImportErrorReport.Write(writer, [new ImportRowError(2, "order_id", "bad", "=cmd|' /C calc'!A0,\u0000\u0001")]);

        var text = writer.ToString();
        Assert.DoesNotContain(text, c => char.IsControl(c) && c is not ('\r' or '\n'));
        var row = CsvRows.Read(new StringReader(text)).Skip(1).Single();
        Assert.StartsWith("'=cmd", row.Fields[3], StringComparison.Ordinal);
    }
}
