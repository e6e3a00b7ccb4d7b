using System.Text;
using Kozuchi.Channels.Calls;
using Kozuchi.Channels.Common;

namespace Kozuchi.Channels.Tests.Calls;

public sealed class CallListTests
{
    [Theory]
    [InlineData("+819011112222", "090-1111-2222")]
    [InlineData("09011112222", "090-1111-2222")]
    [InlineData("+815012345678", "050-1234-5678")]
    [InlineData("+81312345678", "03-1234-5678")]
    [InlineData("0612345678", "06-1234-5678")]
    [InlineData("+81451234567", "045-123-4567")]
    [InlineData("0120123456", "0120-123-456")]
    [InlineData("08001234567", "0800-123-4567")]
    [InlineData("0422123456", "0422-12-3456")]
    [InlineData("+14155550100", "+14155550100")]
    public void Phone_numbers_are_written_as_people_dial_them(string stored, string written) =>
        Assert.Equal(written, PhoneFormat.Domestic(stored));

    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    [Fact]
    public async Task Do_not_call_customers_and_customers_without_a_number_never_reach_the_list()
    {
        var candidates = new[]
        {
            new CallCandidate("c1", "+819011112222", "佐藤 花子", "青汁 30包", "3回 / ¥14,940 / 最終 2026-05-01", "dormant-a", DoNotCall: false) { Script = "佐藤 花子 様のお電話でお間違いないでしょうか。" },
            new CallCandidate("c2", "+819033334444", "鈴木 一郎", "美容液", "1回", "dormant-a", DoNotCall: true),
            new CallCandidate("c3", null, "田中 三郎", "美容液", "1回", "dormant-b", DoNotCall: false),
        };
        using var stream = new MemoryStream();

        var summary = await CallList.WriteAsync(stream, candidates, ListEncoding.Utf8, TestContext.Current.CancellationToken);

        Assert.Equal(new CallListSummary(1, 1, 1), summary);
        var lines = Encoding.UTF8.GetString(stream.ToArray()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["顧客ID,電話番号,氏名,前回購入商品,購入履歴,スクリプト,トークスクリプト", "c1,090-1111-2222,佐藤 花子 様,青汁 30包,3回 / ¥14,940 / 最終 2026-05-01,dormant-a,佐藤 花子 様のお電話でお間違いないでしょうか。"],
            lines.Select(l => l.Replace("\"", string.Empty, StringComparison.Ordinal)));
    }

    [Fact]
    public void Call_results_read_japanese_outcomes_local_times_and_refusals()
    {
        const string csv = "顧客ID,結果,拒否理由,架電日時,担当者\r\nc1,通話,,2026/11/02 10:15,山田\r\nc2,不在,,2026/11/02 10:20,山田\r\nc3,購入,,2026/11/02 10:30,山田\r\nc4,拒否,架電拒否,2026/11/02 10:40,山田\r\nc5,拒否,今は不要,,\r\nc6,留守電,,,\r\n,通話,,,\r\n";

        var import = CallResults.Parse(Encoding.UTF8.GetBytes(csv), Tokyo);

        Assert.Equal([CallOutcome.Reached, CallOutcome.NotReached, CallOutcome.Purchased, CallOutcome.Refused, CallOutcome.Refused], import.Results.Select(r => r.Outcome));
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 10, 15, 0, TimeSpan.FromHours(9)), import.Results[0].CalledAt);
        Assert.Equal([false, false, false, true, false], import.Results.Select(r => r.RequestsNoCalls));
        Assert.Equal([7, 8], import.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Call_results_in_shift_jis_with_english_headers_are_read_too()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var bytes = Encoding.GetEncoding(932).GetBytes("customer_id,outcome,refusal_reason\r\nc1,refused,\"do not call, ever\"\r\nc2,purchased,\r\n");

        var import = CallResults.Parse(bytes, Tokyo);

        Assert.Empty(import.Errors);
        Assert.Equal(("c1", CallOutcome.Refused, "do not call, ever"), (import.Results[0].CustomerId, import.Results[0].Outcome, import.Results[0].RefusalReason));
        Assert.True(import.Results[0].RequestsNoCalls);
    }

    [Fact]
    public void A_file_without_the_needed_columns_is_one_error() =>
        Assert.Equal(1, Assert.Single(CallResults.Parse("a,b\r\n1,2\r\n", Tokyo).Errors).Line);
}
