using System.Text.Json;
using Kozuchi.Channels.Calls;
using Kozuchi.Core.Import;
using Kozuchi.Testing;
using C = Kozuchi.Core.Import.OrderCsvColumns;

namespace Kozuchi.Functions.Tests.Dashboard;

/// <summary>
/// The order CSV parser and the call-results reader write why a row was refused in English (for the error CSV the CLI
/// and the API give); the dashboard shows it in Japanese through lib/reasons.js. Each reason the parsers can give is
/// made here from a file that causes it, and read through the page's own module: a reason reworded in C# and not in
/// reasons.js, or a pattern there that no longer meets any sentence, fails here instead of showing English to the
/// operator.
/// </summary>
public sealed class DashboardReasonsBrowserTests(AzuriteFixture azurite, BrowserFixture browser) : DashboardTest(azurite, browser), IClassFixture<BrowserFixture>
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private const string Header = "order_id,ordered_at,customer_ref,sku,quantity,unit_price,order_total,currency,status\n";

    private static IEnumerable<string> OrderReasons(string csv, bool looksBinary = false, CsvMapping? mapping = null) =>
        new OrderCsvParser(mapping ?? CsvMapping.Kozuchi, Tokyo).Parse(new StringReader(csv), looksBinary: looksBinary).SelectMany(c => c.Errors).Select(e => e.Reason);

    /// <summary>Every reason the two parsers write, each from a file that causes it.</summary>
    private static List<string> EveryReason()
    {
        var withFulfillment = CsvMapping.Kozuchi with
        {
            Columns = CsvMapping.Kozuchi.Columns.Append(new(C.FulfillmentStatus, new ColumnRule([C.FulfillmentStatus]))).ToDictionary(),
        };
        var longField = new string('x', CsvLimits.Import.MaxFieldChars + 1);
        var longRow = string.Join(",", Enumerable.Repeat(new string('y', CsvLimits.Import.MaxFieldChars - 1), (CsvLimits.Import.MaxRecordChars / CsvLimits.Import.MaxFieldChars) + 1));
        string[] orderFiles =
        [
            "",
            Header + longRow + "\n",
            "id,date,amount\n1,2026-10-01,100\n",
            Header + ",2026-10-01,c1,A,1,100,100,JPY,paid\n",
            Header + "1,2026-10-01,c1,A,1,100,100,JPY,paid\n2,2026-10-01,c1,A,1,100,100,JPY,paid\n1,2026-10-01,c1,B,1,100,100,JPY,paid\n",
            Header + "1,2026-10-01,c1,A,1,100,100,JPY,paid\n1,2026-10-01,c1,B,1,100,200,JPY,paid\n",
            Header + "1,,c1,A,1,100,100,JPY,paid\n",
            Header + "1,2026-10-01,c1,A,1,100,,JPY,paid\n",
            Header + "1,2026-10-01,,A,1,100,100,JPY,paid\n",
            Header + "1,2026-10-01,c1,A,二つ,100,100,JPY,paid\n",
            Header + "1,2026-10-01,c1,A,1,100,100,YENX,paid\n",
            Header + "1,2026-10-01,c1,A,1,100,100,JPY,届いた\n",
            Header + "1,明日,c1,A,1,100,100,JPY,paid\n",
            Header + "1,2026-10-01,c1,A,1,100,百円,JPY,paid\n",
            Header + $"1,2026-10-01,c1,{longField},1,100,100,JPY,paid\n",
        ];
        string[] callFiles =
        [
            "",
            "name,phone\nx,y\n",
            "customer_id,outcome\n,reached\n",
            "customer_id,outcome\nc1,留守\n",
            "customer_id,outcome\nc1,\"\"\n",
            "customer_id,outcome,refusal_reason,called_at\nc1,通話,,昨日の夕方\n",
        ];
        return
        [
            .. orderFiles.SelectMany(f => OrderReasons(f)),
            .. OrderReasons("order_id,ordered_at\n1,2026-10-01\n", looksBinary: true),
            .. OrderReasons(longField + "\n"),
            .. OrderReasons(Header.TrimEnd('\n') + ",fulfillment_status\n1,2026-10-01,c1,A,1,100,100,JPY,paid,紛失\n", mapping: withFulfillment),
            .. callFiles.SelectMany(f => CallResults.Parse(f, Tokyo).Errors).Select(e => e.Message),
        ];
    }

    [Fact]
    public async Task Every_reason_a_parser_gives_for_a_refused_row_reads_in_japanese_and_every_pattern_meets_one()
    {
        var reasons = EveryReason().Distinct(StringComparer.Ordinal).ToList();
        await SignInAsync();

        var answer = await Page.EvaluateAsync<JsonElement>("""
            async (reasons) => {
              const m = await import(new URL("lib/reasons.js", location.href).href);
              return { patterns: m.JA.length, read: reasons.map((english) => ({ english, pattern: m.JA.findIndex(([p]) => p.test(english)), japanese: m.reasonText(english) })) };
            }
            """, reasons);
        var read = answer.GetProperty("read").EnumerateArray()
            .Select(r => (English: r.GetProperty("english").GetString()!, Pattern: r.GetProperty("pattern").GetInt32(), Japanese: r.GetProperty("japanese").GetString()!)).ToList();
        var patterns = answer.GetProperty("patterns").GetInt32();

        Assert.Equal(reasons.Count, read.Count);
        Assert.All(read, r =>
        {
            Assert.True(r.Pattern >= 0, $"No Japanese for the reason \"{r.English}\": add it to lib/reasons.js.");
            Assert.NotEqual(r.English, r.Japanese);
            Assert.Matches(@"[\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}]", r.Japanese);
            Assert.DoesNotMatch(@"\b(is|are|the|required|not|use)\b", r.Japanese);
        });
        var unused = Enumerable.Range(0, patterns).Except(read.Select(r => r.Pattern)).ToList();
        Assert.True(unused.Count == 0, $"Patterns in lib/reasons.js that no parser sentence meets (index {string.Join(", ", unused)}): a reason reworded in C#, or a case missing here.");
    }
}
