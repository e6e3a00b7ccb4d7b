using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.Tests.Segments;

public sealed class SegmentEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 30, 12, 0, 0, TimeSpan.FromHours(9));
    private static readonly SegmentContext Context = new(Now, ShopTime.Tokyo);

    private static CustomerProfile Customer(string id, int daysAgo = 10, int f = 1, decimal m = 5000m) => new()
    {
        CustomerId = id,
        Frequency = f,
        Monetary = m,
        FirstOrderAt = Now.AddDays(-daysAgo - 100),
        LastOrderAt = Now.AddDays(-daysAgo),
        EntryProducts = ["SKU-TRIAL"],
        BoughtProducts = new HashSet<string>(["SKU-TRIAL", "SKU-SOAP"], StringComparer.Ordinal),
    };

    private static SegmentRule Rule(string json) => SegmentJson.Parse($$"""{"id":"s","rule":{{json}}}""") is ({ } d, _) ? d.Rule
        : throw new InvalidOperationException(string.Join("; ", SegmentJson.Parse($$"""{"id":"s","rule":{{json}}}""").Errors));

    [Theory]
    [InlineData("""{"type":"frequency","min":2}""", false)]
    [InlineData("""{"type":"frequency","max":1}""", true)]
    [InlineData("""{"type":"monetary","min":5000,"max":5000}""", true)]
    [InlineData("""{"type":"monetary","min":5000.01}""", false)]
    [InlineData("""{"type":"daysSinceLastOrder","min":10,"max":10}""", true)]
    [InlineData("""{"type":"daysSinceLastOrder","min":11}""", false)]
    [InlineData("""{"type":"daysSinceFirstOrder","min":110}""", true)]
    [InlineData("""{"type":"entryProduct","products":["SKU-TRIAL","X"]}""", true)]
    [InlineData("""{"type":"entryProduct","products":["SKU-SOAP"]}""", false)]
    [InlineData("""{"type":"bought","products":["SKU-SOAP","SKU-X"]}""", true)]
    [InlineData("""{"type":"bought","products":["SKU-SOAP","SKU-X"],"match":"all"}""", false)]
    [InlineData("""{"type":"bought","products":["SKU-SOAP","SKU-TRIAL"],"match":"all"}""", true)]
    [InlineData("""{"type":"subscription"}""", false)]
    [InlineData("""{"type":"subscription","subscriber":false}""", true)]
    [InlineData("""{"type":"rfm","r":[1],"f":[1]}""", true)]
    [InlineData("""{"type":"rfm","cells":["new"]}""", true)]
    [InlineData("""{"type":"rfm","r":[2,3]}""", false)]
    [InlineData("""{"type":"not","rule":{"type":"frequency","min":2}}""", true)]
    [InlineData("""{"type":"and","rules":[{"type":"frequency","max":1},{"type":"monetary","min":6000}]}""", false)]
    [InlineData("""{"type":"or","rules":[{"type":"frequency","min":3},{"type":"monetary","min":1000}]}""", true)]
    public void Rules_decide_membership_of_a_one_time_buyer(string rule, bool member) =>
        Assert.Equal(member, SegmentEvaluator.Matches(Rule(rule), Customer("c"), Context));

    [Fact]
    public void Days_since_last_order_count_shop_days()
    {
        // 23:30 JST on June 29 is the previous shop day even though it is only 12.5 hours before now.
        var late = Customer("c") with { LastOrderAt = new DateTimeOffset(2026, 6, 29, 23, 30, 0, TimeSpan.FromHours(9)) };
        Assert.True(SegmentEvaluator.Matches(Rule("""{"type":"daysSinceLastOrder","min":1,"max":1}"""), late, Context));
    }

    [Fact]
    public void Customers_without_a_value_never_match_a_range()
    {
        var prospect = new CustomerProfile { CustomerId = "p" };
        Assert.False(SegmentEvaluator.Matches(Rule("""{"type":"daysSinceLastOrder","max":9999}"""), prospect, Context));
        Assert.False(SegmentEvaluator.Matches(Rule("""{"type":"predicted","measure":"probabilityAlive","min":0}"""), prospect, Context));
        Assert.True(SegmentEvaluator.Matches(Rule("""{"type":"not","rule":{"type":"predicted","measure":"probabilityAlive","min":0}}"""), prospect, Context));
    }

    [Theory]
    [InlineData("probabilityAlive", 0.5, 1.0, true)]
    [InlineData("probabilityAlive", 0.9, null, false)]
    [InlineData("expectedOrders90Days", 0.3, 0.4, true)]
    [InlineData("expectedValue", 20000.0, null, true)]
    [InlineData("expectedValue", 30000.0, null, false)]
    public void Predicted_values_are_compared_within_bounds(string measure, double min, double? max, bool member)
    {
        var c = Customer("c") with { Prediction = new CustomerPrediction(0.8, 0.35, 1.2, 25000m, ChurnRisk.Low, 10) };
        var maxJson = max is { } hi ? $",\"max\":{hi.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "";
        var rule = Rule($$"""{"type":"predicted","measure":"{{measure}}","min":{{min.ToString(System.Globalization.CultureInfo.InvariantCulture)}}{{maxJson}}}""");
        Assert.Equal(member, SegmentEvaluator.Matches(rule, c, Context));
    }

    [Theory]
    [InlineData("email", true, true)]
    [InlineData("line", false, true)]
    [InlineData("phone", false, false)]
    [InlineData("postal", true, true)]
    public void Reachable_needs_address_and_consent_while_consent_needs_only_consent(string channel, bool reachable, bool consent)
    {
        var c = Customer("c") with
        {
            Reachability = new Reachability { HasEmail = true, EmailOptIn = true, LineFollowing = true, HasPostalAddress = true, HasPhone = true, DoNotCall = true },
        };
        Assert.Equal(reachable, SegmentEvaluator.Matches(Rule($$"""{"type":"reachable","channel":"{{channel}}"}"""), c, Context));
        Assert.Equal(consent, SegmentEvaluator.Matches(Rule($$"""{"type":"consent","channel":"{{channel}}"}"""), c, Context));
    }

    [Fact]
    public void Merged_and_erased_customers_are_never_members()
    {
        var rule = Rule("""{"type":"frequency","min":1}""");
        var members = SegmentEvaluator.Members(rule, [Customer("a"), Customer("b") with { State = CustomerState.Merged }, Customer("c") with { State = CustomerState.Erased }], Context);
        Assert.Equal(["a"], members);
    }

    [Fact]
    public void Bulk_evaluation_keeps_input_order()
    {
        var rule = Rule("""{"type":"daysSinceLastOrder","min":90}""");
        var profiles = Enumerable.Range(0, 200).Select(i => Customer($"c{i:000}", daysAgo: i)).Reverse();
        Assert.Equal(Enumerable.Range(90, 110).Reverse().Select(i => $"c{i:000}"), SegmentEvaluator.Members(rule, profiles, Context));
    }

    [Theory]
    [InlineData("""{"type":"churnRisk","bands":["high"]}""", new[] { "lapsing-vip", "lapsing" })]
    [InlineData("""{"type":"churnRisk","bands":["low","medium"]}""", new[] { "loyal", "steady" })]
    [InlineData("""{"type":"clvTop","percent":20}""", new[] { "loyal", "lapsing-vip" })]
    [InlineData("""{"type":"and","rules":[{"type":"churnRisk","bands":["high"]},{"type":"clvTop","percent":20}]}""", new[] { "lapsing-vip" })]
    [InlineData("""{"type":"predicted","measure":"expectedOrders365Days","min":1}""", new[] { "loyal", "steady" })]
    public void Churn_risk_bands_and_clv_top_share_select_on_the_attached_predictions(string json, string[] expected)
    {
        CustomerProfile With(string id, ChurnRisk? band, double? topPercent, double yearOrders) =>
            Customer(id) with { Prediction = new CustomerPrediction(0.5, yearOrders / 4, yearOrders, 10000m, band, topPercent) };
        CustomerProfile[] profiles =
        [
            With("loyal", ChurnRisk.Low, 0, 3),
            With("lapsing-vip", ChurnRisk.High, 19.9, 0.4),
            With("steady", ChurnRisk.Medium, 20, 1.5),
            With("lapsing", ChurnRisk.High, 60, 0.2),
            With("one-time", null, 80, 0.3),
            Customer("no-fit"),
        ];

        Assert.Equal(expected, SegmentEvaluator.Members(Rule(json), profiles, Context));
    }

    [Fact]
    public void A_rule_says_whether_it_reads_predictions_anywhere_in_its_tree()
    {
        Assert.True(Rule("""{"type":"not","rule":{"type":"or","rules":[{"type":"frequency","min":1},{"type":"clvTop","percent":5}]}}""").ReadsPredictions());
        Assert.True(Rule("""{"type":"churnRisk","bands":["medium"]}""").ReadsPredictions());
        Assert.False(Rule("""{"type":"and","rules":[{"type":"frequency","min":1},{"type":"daysSinceLastOrder","min":30}]}""").ReadsPredictions());
    }

    [Fact]
    public void Predictions_are_attached_by_customer_id_whatever_the_order_and_missing_ones_stay_null()
    {
        var p = new CustomerPrediction(0.4, 0.2, 0.8, 3000m, ChurnRisk.Medium, 40);
        var set = new PredictionSet(new DateOnly(2026, 6, 30), ChurnRiskThresholds.Default, [("c", p), ("a", p with { ProbabilityAlive = 0.9 }), ("e", p with { ClvTopPercent = 1 })]);

        var attached = set.Attach([Customer("a"), Customer("b"), Customer("e"), Customer("c"), Customer("a")]).ToList();

        Assert.Equal(["a", "b", "e", "c", "a"], attached.Select(x => x.CustomerId));
        Assert.Equal([0.9, (double?)null, 0.4, 0.4, 0.9], attached.Select(x => x.Prediction?.ProbabilityAlive));
        Assert.Equal(1, attached[2].Prediction!.ClvTopPercent);
    }

    [Fact]
    public void The_builders_catalogue_describes_every_rule_type_in_japanese_and_english()
    {
        Assert.Equal(SegmentRule.TypeNames.Order(StringComparer.Ordinal), SegmentCatalog.Types.Select(t => t.Type).Order(StringComparer.Ordinal));
        Assert.All(SegmentCatalog.Types, t => Assert.False(string.IsNullOrWhiteSpace(t.Label.Japanese) || string.IsNullOrWhiteSpace(t.Label.English)));
        Assert.Equal(["churnRisk", "clvTop", "predicted"], SegmentCatalog.Types.Where(t => t.Predictive).Select(t => t.Type).Order(StringComparer.Ordinal));
        Assert.Equal(Enum.GetValues<PredictedMeasure>().Length, SegmentCatalog.PredictedMeasures.Count);
        Assert.Equal(Enum.GetValues<ChurnRisk>().Length, SegmentCatalog.ChurnRiskBands.Count);
    }
}
