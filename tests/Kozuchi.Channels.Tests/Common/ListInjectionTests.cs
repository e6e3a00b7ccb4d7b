using System.Text;
using Kozuchi.Channels.Calls;
using Kozuchi.Channels.Common;
using Kozuchi.Channels.Postal;
using Kozuchi.Core.Import;

namespace Kozuchi.Channels.Tests.Common;

/// <summary>
/// DM and call lists are opened by vendors in spreadsheets: a customer's name or product that starts with a tab or a
/// carriage return (which Excel skips before reading a formula) is neutralised like one starting with <c>=</c>.
/// </summary>
public sealed class ListInjectionTests
{
    [Fact]
    public async Task A_dm_list_cell_starting_with_a_tab_or_cr_is_shown_as_text()
    {
        using var stream = new MemoryStream();
        await DmList.WriteAsync(stream, [new DmRecipient("c1", "150-0001", "東京都", "渋谷区", "\t=HYPERLINK(\"http://x\")", null, null, "佐藤 花子", "\r@SUM(1)")], ListEncoding.Utf8, TestContext.Current.CancellationToken);

        var row = CsvRows.Read(new StringReader(Encoding.UTF8.GetString(stream.ToArray()).TrimStart('\uFEFF'))).Skip(1).Single();

        Assert.StartsWith("'\t=HYPERLINK", row.Fields[4], StringComparison.Ordinal);
        Assert.StartsWith("'", row.Fields[8], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_list_cell_starting_with_a_tab_or_cr_is_shown_as_text()
    {
        using var stream = new MemoryStream();
        await CallList.WriteAsync(stream, [new CallCandidate("c1", "+819011112222", "佐藤 花子", "\r-1+1", "\t=cmd|' /C calc'!A0", "a", DoNotCall: false)], ListEncoding.Utf8, TestContext.Current.CancellationToken);

        var row = CsvRows.Read(new StringReader(Encoding.UTF8.GetString(stream.ToArray()).TrimStart('\uFEFF'))).Skip(1).Single();

        Assert.StartsWith("'", row.Fields[3], StringComparison.Ordinal);
        Assert.StartsWith("'\t=cmd", row.Fields[4], StringComparison.Ordinal);
    }
}
