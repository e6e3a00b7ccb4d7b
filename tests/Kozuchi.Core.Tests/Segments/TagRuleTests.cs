using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.Tests.Segments;

/// <summary>The <c>tag</c> rule: the operator's tags, any or all, compared in NFKC form; bulk evaluation agrees with one-by-one.</summary>
public sealed class TagRuleTests
{
    private static readonly SegmentContext Context = new(new DateTimeOffset(2026, 6, 30, 12, 0, 0, TimeSpan.FromHours(9)), ShopTime.Tokyo);

    private static CustomerProfile Tagged(string id, params string[] tags) => new()
    {
        CustomerId = id,
        Frequency = 1,
        Tags = new HashSet<string>(tags, StringComparer.Ordinal),
    };

    private static SegmentRule Rule(string json) => SegmentJson.Parse($$"""{"id":"s","rule":{{json}}}""") is ({ } d, _) ? d.Rule
        : throw new InvalidOperationException(string.Join("; ", SegmentJson.Parse($$"""{"id":"s","rule":{{json}}}""").Errors.Select(e => e.Message)));

    [Theory]
    [InlineData("""{"type":"tag","tags":["VIP"]}""", true)]
    [InlineData("""{"type":"tag","tags":["ＶＩＰ"]}""", true)]
    [InlineData("""{"type":"tag","tags":["vip"]}""", false)]
    [InlineData("""{"type":"tag","tags":["卸","要フォロー"]}""", true)]
    [InlineData("""{"type":"tag","tags":["卸","要フォロー"],"match":"all"}""", false)]
    [InlineData("""{"type":"tag","tags":["VIP","要フォロー"],"match":"all"}""", true)]
    [InlineData("""{"type":"not","rule":{"type":"tag","tags":["卸"]}}""", true)]
    public void A_tag_rule_matches_on_the_operators_tags(string rule, bool member) =>
        Assert.Equal(member, SegmentEvaluator.Matches(Rule(rule), Tagged("c", "VIP", "要フォロー"), Context));

    [Fact]
    public void An_untagged_customer_never_matches_a_tag_and_matches_its_negation()
    {
        Assert.False(SegmentEvaluator.Matches(Rule("""{"type":"tag","tags":["VIP"]}"""), Tagged("c"), Context));
        Assert.True(SegmentEvaluator.Matches(Rule("""{"type":"not","rule":{"type":"tag","tags":["VIP"]}}"""), Tagged("c"), Context));
    }

    [Fact]
    public void Bulk_evaluation_agrees_with_one_by_one_over_many_customers()
    {
        string[] pool = ["VIP", "卸", "要フォロー", "ｻﾝﾌﾟﾙ"];
        var profiles = Enumerable.Range(0, 2000)
            .Select(i => Tagged($"c{i:D4}", [.. pool.Where((_, k) => (i >> k & 1) == 1).Select(CustomerTags.Normalize)]) with { State = i % 97 == 0 ? CustomerState.Erased : CustomerState.Active })
            .ToList();
        var rule = Rule("""{"type":"and","rules":[{"type":"tag","tags":["VIP","サンプル"]},{"type":"not","rule":{"type":"tag","tags":["卸"]}}]}""");

        var members = SegmentEvaluator.Members(rule, profiles, Context).ToList();

        Assert.Equal(profiles.Where(p => SegmentEvaluator.Matches(rule, p, Context)).Select(p => p.CustomerId), members);
        var expected = profiles.Count(p => p.State == CustomerState.Active && (p.Tags.Contains("VIP") || p.Tags.Contains("サンプル")) && !p.Tags.Contains("卸"));
        Assert.Equal(expected, members.Count);
        Assert.True(expected > 0);
    }

    [Theory]
    [InlineData("""{"type":"tag","tags":[]}""", "rule.tags")]
    [InlineData("""{"type":"tag","tags":["two words"]}""", "rule.tags")]
    [InlineData("""{"type":"tag","tags":["a/b"]}""", "rule.tags")]
    [InlineData("""{"type":"or","rules":[{"type":"tag","tags":["123456789012345678901234567890123"]}]}""", "rule.rules[0].tags")]
    public void A_tag_rule_with_no_tag_or_a_tag_that_cannot_be_one_points_at_the_field(string rule, string field)
    {
        var (definition, errors) = SegmentJson.Parse($$"""{"id":"seg-1","rule":{{rule}}}""");
        Assert.Null(definition);
        Assert.Equal(field, Assert.Single(errors).Field);
    }

    [Theory]
    [InlineData("要フォロー", "要フォロー", null)]
    [InlineData(" vip_2026 ", "vip_2026", null)]
    [InlineData("ｻﾝﾌﾟﾙ", "サンプル", null)]
    [InlineData("Ｂ２Ｂ", "B2B", null)]
    [InlineData("a,b", "a,b", "','")]
    [InlineData("a#b", "a#b", "'#'")]
    public void Tags_are_kept_in_nfkc_form_and_limited_to_letters_digits_and_a_few_marks(string given, string normalized, string? refused)
    {
        var tag = CustomerTags.Normalize(given);
        Assert.Equal(normalized, tag);
        var problem = CustomerTags.Problem(tag);
        if (refused is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(refused, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Only_rules_with_a_tag_somewhere_read_tags()
    {
        Assert.True(Rule("""{"type":"or","rules":[{"type":"frequency","min":2},{"type":"not","rule":{"type":"tag","tags":["VIP"]}}]}""").ReadsTags());
        Assert.False(Rule("""{"type":"frequency","min":2}""").ReadsTags());
    }
}
