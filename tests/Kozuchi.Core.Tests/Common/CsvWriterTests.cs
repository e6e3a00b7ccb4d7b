using Kozuchi.Core.Common;
using Kozuchi.Core.Import;

namespace Kozuchi.Core.Tests.Common;

/// <summary>The one CSV writer: OWASP's formula-injection neutralisation for files people open, and never a binary byte.</summary>
public sealed class CsvWriterTests
{
    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+81 90", "'+81 90")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=cmd", "'\t=cmd")]
    [InlineData("＝HYPERLINK(\"x\")", "\"'＝HYPERLINK(\"\"x\"\")\"")]
    [InlineData("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0")]
    [InlineData("佐藤 花子", "佐藤 花子")]
    [InlineData("a=b", "a=b")]
    public void A_cell_that_starts_like_a_formula_gets_a_leading_quote(string text, string cell) =>
        Assert.Equal(cell, CsvWriter.Cell(text));

    [Fact]
    public void A_leading_carriage_return_is_neutralised_and_the_cell_quoted() =>
        Assert.Equal("\"'\r=1+1\"", CsvWriter.Cell("\r=1+1"));

    [Fact]
    public void Numbers_the_app_formats_stay_numbers_and_text_that_looks_like_one_is_still_neutralised()
    {
        Assert.Equal("-5", CsvWriter.Value(-5));
        Assert.Equal("-1234.5", CsvWriter.Value(-1234.5m));
        Assert.Equal("2026-11-01", CsvWriter.Value(new DateOnly(2026, 11, 1)));
        Assert.Equal("'-5", CsvWriter.Value("-5"));
        Assert.Equal("'-Infinity", CsvWriter.Value(double.NegativeInfinity));
    }

    [Fact]
    public void Control_characters_and_broken_utf16_never_reach_the_file()
    {
        var cell = CsvWriter.Cell("PK\u0003\u0004\u0000abc\u007F\uD800z\tok");

        Assert.Equal("PK\uFFFD\uFFFD\uFFFDabc\uFFFD\uFFFDz\tok", cell);
        Assert.DoesNotContain(cell, c => char.IsControl(c) && c != '\t');
        Assert.Equal("\"a\"\"b,\r\nc\"", CsvWriter.Verbatim("a\"b,\r\nc"));
        Assert.Equal("=1+1", CsvWriter.Verbatim("=1+1"));
        Assert.Equal("x\uFFFDy", CsvWriter.Verbatim("x\u0000y"));
    }

    [Fact]
    public void What_the_writer_writes_the_reader_reads_back()
    {
        var row = CsvWriter.Row("=a,b", "he said \"hi\"", "line\r\nbreak", null, "plain");
        using var reader = new StringReader(row);

        var record = Assert.Single(CsvRows.Read(reader));

        Assert.Equal(["'=a,b", "he said \"hi\"", "line\r\nbreak", string.Empty, "plain"], record.Fields);
    }
}
