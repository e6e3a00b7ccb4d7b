using Kozuchi.Core.Analytics;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.NextActions;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Scenarios.Stats;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.Tests.NextActions;

/// <summary>次の一手: the segments' measured past, the ranking, and the words on each card — never a figure without a basis.</summary>
public sealed class NextActionTests
{
    private static readonly DateOnly AsOf = new(2026, 6, 30);
    private static readonly ShopTime Shop = ShopTime.Tokyo;

    /// <summary>A dormant segment's past: 80 of 1,000 bought, ¥400 a member.</summary>
    private static readonly HistoricalConversion DormantPast = new(AsOf, 30, 1000, 80, 400_000, 8e9);

    private static ActionCandidate Candidate(string id) => ActionCatalog.All.Single(c => c.Id == id);

    private static CustomerHistory History(string id, params (int DaysBeforeAsOf, decimal Net)[] orders) =>
        new(id, null, [.. orders.OrderByDescending(o => o.DaysBeforeAsOf).Select(o => new HistoryOrder(AsOf.AddDays(-o.DaysBeforeAsOf), o.Net, ["SKU-1"], false))]);

    private static CustomerProfile Profile(string id, bool email = true, bool phone = false) =>
        new() { CustomerId = id, Reachability = new Reachability { HasEmail = email, EmailOptIn = email, HasPhone = phone } };

    [Fact]
    public void The_segments_past_is_measured_on_the_customers_as_they_were_and_their_purchases_in_the_window_after()
    {
        var dormant = Candidate("dormant"); // last order 90–179 days before; 30-day window
        var since = ActionAudiences.Since(AsOf, dormant.WindowDays);
        Assert.Equal(new DateOnly(2026, 5, 30), since);
        var d = AsOf.DayNumber - since.DayNumber; // days before as-of of the reference day: 31
        (CustomerHistory, CustomerProfile)[] customers =
        [
            // dormant on the reference day (last order 100 days before it), came back with ¥5,000 and ¥1,000 in the window.
            (History("a", (d + 100, 3000), (d - 10, 5000), (d - 20, 1000)), Profile("a")),
            // dormant then, nothing since.
            (History("b", (d + 120, 2000)), Profile("b")),
            // dormant then, bought the day after the window: not counted; a refunded (¥0) order in the window is no purchase.
            (History("c", (d + 150, 2000), (d - 5, 0), (d - 31, 800)), Profile("c")),
            // ordered 30 days before the reference day: not dormant then.
            (History("e", (d + 30, 2000), (d - 3, 9000)), Profile("e")),
            // first order after the reference day: not a customer then.
            (History("f", (d - 3, 9000)), Profile("f")),
        ];

        var measured = ActionAudiences.Measure(dormant, since, customers, Shop, null)!;

        Assert.Equal((3L, 1L), (measured.Members, measured.Converted));
        Assert.Equal(6000, measured.RevenueSum);
        Assert.Equal(36_000_000, measured.RevenueSumOfSquares);
        Assert.Equal(2000, measured.RevenuePerMember);
        Assert.Equal(1 / 3.0, measured.Rate, 12);
    }

    [Fact]
    public void The_segments_past_revenue_counts_the_reporting_currency_only()
    {
        var dormant = Candidate("dormant");
        var since = ActionAudiences.Since(AsOf, dormant.WindowDays);
        var d = AsOf.DayNumber - since.DayNumber;
        HistoryOrder Order(int daysBeforeAsOf, decimal net, string currency) => new(AsOf.AddDays(-daysBeforeAsOf), net, ["SKU-1"], false, currency);
        (CustomerHistory, CustomerProfile)[] customers =
        [
            // a JPY customer who came back with ¥5,000 and, the same week, $40 on the shop's US storefront.
            (new CustomerHistory("a", null, [Order(d + 100, 3000, "JPY"), Order(d - 10, 5000, "JPY"), Order(d - 12, 40, "USD")]), Profile("a")),
            // bought in USD only in the window: bought, but no yen.
            (new CustomerHistory("b", null, [Order(d + 120, 2000, "JPY"), Order(d - 5, 25, "USD")]), Profile("b")),
            (History("c", (d + 150, 2000)), Profile("c")),
        ];

        var measured = ActionAudiences.Measure(dormant, since, customers, Shop, null, "JPY")!;

        Assert.Equal((3L, 2L), (measured.Members, measured.Converted));
        Assert.Equal(5000, measured.RevenueSum);
        Assert.Equal(25_000_000, measured.RevenueSumOfSquares);
        var inDollars = ActionAudiences.Measure(dormant, since, customers, Shop, null, "USD")!;
        Assert.Equal(65, inDollars.RevenueSum);
    }

    [Fact]
    public void A_customers_past_profile_keeps_other_currencies_apart_and_their_past_fit_reads_their_own()
    {
        var history = new CustomerHistory("a", null,
        [
            new HistoryOrder(AsOf.AddDays(-200), 3000, ["SKU-1"], false, "JPY"),
            new HistoryOrder(AsOf.AddDays(-150), 30, ["SKU-1"], false, "USD"),
            new HistoryOrder(AsOf.AddDays(-100), 5000, ["SKU-1"], false, "JPY"),
        ]);

        var then = ActionAudiences.AsOf(history, Profile("a"), AsOf.AddDays(-50), Shop, null)!;
        var summary = Assert.Single(ActionAudiences.SummariesAsOf([history], AsOf.AddDays(-50)));

        Assert.Equal(3, then.Frequency);
        Assert.Equal(("JPY", 8000m), (then.Currency, then.Monetary));
        Assert.Equal([new CurrencyTotal("USD", 30, 1)], then.OtherMonetary);
        Assert.Equal(4000m, then.AverageOrderValue);
        Assert.Equal((1, 5000.0), (summary.Frequency, summary.MonetaryValue));
    }

    [Fact]
    public void A_customers_past_profile_counts_the_orders_up_to_that_day_and_keeps_todays_reachability()
    {
        var history = History("a", (200, 3000), (100, 5000), (10, 1000));
        var prediction = new CustomerPrediction(0.2, 0.1, 0.5, 1000m, ChurnRisk.High, 5);
        var predictions = new PredictionSet(AsOf.AddDays(-50), ChurnRiskThresholds.Default, [("a", prediction)]);

        var then = ActionAudiences.AsOf(history, Profile("a", phone: true), AsOf.AddDays(-50), Shop, predictions)!;

        Assert.Equal(2, then.Frequency);
        Assert.Equal(8000m, then.Monetary);
        Assert.Equal(AsOf.AddDays(-100), Shop.Today(then.LastOrderAt!.Value));
        Assert.Equal(AsOf.AddDays(-200), Shop.Today(then.FirstOrderAt!.Value));
        Assert.True(then.Reachability.CanCall);
        Assert.Equal(prediction, then.Prediction);
        Assert.Null(ActionAudiences.AsOf(history, Profile("a"), AsOf.AddDays(-201), Shop, null));
    }

    [Fact]
    public void Members_now_are_counted_per_segment_with_those_the_presets_channels_reach()
    {
        var now = Shop.At(AsOf, new TimeOnly(12, 0));
        CustomerProfile Regular(string id, bool phone) => Profile(id, phone: phone) with { Frequency = 6, LastOrderAt = now.AddDays(-200) };
        var candidates = new[] { Candidate("dormant-call"), Candidate("subscription") };

        var counts = ActionAudiences.CountNow(candidates, [Regular("a", true), Regular("b", false), Regular("c", true) with { Reachability = new Reachability { HasPhone = true, DoNotCall = true } }], new SegmentContext(now, Shop));

        // dormant-call needs a callable phone in its rule: a and nobody else; subscription: all three, reachable by e-mail a and b.
        Assert.Equal([(1, 1), (3, 2)], counts);
    }

    [Fact]
    public void Revenue_per_member_carries_a_t_interval_that_never_goes_below_zero()
    {
        // Revenues 0, 0, 6000: mean 2000, s² = (2·2000² + 4000²)/2 = 12,000,000, se = 2000, t(0.975, 2) = 4.3027.
        var range = NextActionPlanner.PerMember(new HistoricalConversion(AsOf, 30, 3, 1, 6000, 36_000_000));

        Assert.Equal(2000, range.Estimate, 9);
        Assert.Equal(2000 + (4.302653 * 2000), range.Upper, 0);
        Assert.Equal(0, range.Lower);
    }

    [Fact]
    public void Actions_with_a_measured_uplift_come_first_then_history_then_those_without_a_basis_which_give_no_figure()
    {
        var uplift = new MeasuredUplift("f2-conversion", 900, 126, 100, 10, new Difference(300, 100, 500, 2.9, 0.004, 0.95), new Difference(0.04, 0.01, 0.07, 2.5, 0.01, 0.95), "JPY");
        (ActionCandidate, ActionAudience)[] audiences =
        [
            (Candidate("vip-churn"), new ActionAudience("vip-churn", 40, 30, null)),
            (Candidate("f2"), new ActionAudience("f2", 500, 400, new HistoricalConversion(AsOf, 30, 450, 45, 900_000, 4e9))),
            (Candidate("dormant"), new ActionAudience("dormant", 1200, 1000, new HistoricalConversion(AsOf, 30, 1000, 80, 400_000, 8e9))),
            (Candidate("dormant-call"), new ActionAudience("dormant-call", 0, 0, null)),
            (Candidate("subscription"), new ActionAudience("subscription", 300, 250, new HistoricalConversion(AsOf, 30, 1, 1, 5000, 25e6))),
        ];

        var plan = NextActionPlanner.Plan(audiences, new Dictionary<string, MeasuredUplift> { ["f2-conversion"] = uplift }, "JPY");

        Assert.Equal(["f2", "dormant", "subscription", "vip-churn"], plan.Select(a => a.Id));
        Assert.Equal([1, 2, 3, 4], plan.Select(a => a.Rank));

        var f2 = plan[0];
        Assert.Equal(BasisKind.HoldoutUplift, f2.Basis);
        Assert.Equal("この店舗での実測（ホールドアウト比較）", f2.BasisLabel.Japanese);
        Assert.True(f2.ExpectedIsIncremental);
        Assert.Equal(new MoneyRange(120_000, 40_000, 200_000), f2.ExpectedRevenue);
        Assert.Contains("ホールドアウト比較（対象 900 人・ホールドアウト 100 人）", f2.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("￥300（95% 区間 ￥100〜￥500）", f2.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("￥120,000", f2.ExpectedText.Japanese, StringComparison.Ordinal);
        Assert.Equal("#/scenarios/new?preset=f2-conversion&segment=first-buyers-21-60", f2.Draft.DashboardPath);

        var dormant = plan[1];
        Assert.Equal(BasisKind.HistoricalConversion, dormant.Basis);
        Assert.False(dormant.ExpectedIsIncremental);
        Assert.Equal(400_000, dormant.ExpectedRevenue!.Estimate, 6);
        Assert.Contains("施策なし", dormant.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("1,000 人のうち 80 人（8.0%）", dormant.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("not what the scenario adds", dormant.Why.English, StringComparison.Ordinal);

        // One matched customer is too few to put an interval on: no figure, and it says so.
        foreach (var none in plan.Skip(2))
        {
            Assert.Equal(BasisKind.None, none.Basis);
            Assert.Null(none.ExpectedRevenue);
            Assert.StartsWith("根拠となる実績がありません", none.Why.Japanese, StringComparison.Ordinal);
            Assert.StartsWith("No measured basis", none.Why.English, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_measured_uplift_counts_as_treated_only_the_customers_a_send_reached_as_the_results_compare_them()
    {
        // Six treated enrollments, two of whose sends all failed (no send accepted); four held out.
        EnrollmentOutcome[] enrollments =
        [
            new("treated", false, 1, true, 5000), new("treated", false, 1, false, 0), new("treated", false, 2, true, 3000),
            new("treated", false, 1, false, 0), new("treated", false, 0, false, 0), new("treated", false, 0, true, 4000),
            new(null, true, 0, false, 0), new(null, true, 0, true, 2000), new(null, true, 0, false, 0), new(null, true, 0, false, 0),
        ];
        var results = ScenarioResults.Compute(enrollments);

        var uplift = MeasuredUplift.From("dormant-reactivation-pilot", results)!;

        Assert.Equal(4, uplift.Treated);
        Assert.Equal(4, uplift.Holdout);
        var all = results.Uplift.Single(u => u.Treatment == ScenarioResults.AllArms).Uplift;
        Assert.Equal(all.RevenuePerCustomerUplift, uplift.RevenuePerCustomer);
        // The recipients' 8,000 over four against the holdout's 2,000 over four.
        Assert.Equal(2000 - 500, uplift.RevenuePerCustomer.Estimate, 9);
    }

    [Fact]
    public void An_uplift_whose_interval_includes_zero_is_called_not_yet_established()
    {
        var uplift = new MeasuredUplift("vip-churn-prevention-2", 90, 10, 10, 5, new Difference(50, -200, 300, 0.4, 0.7, 0.95), new Difference(0.01, -0.05, 0.07, 0.3, 0.75, 0.95), "JPY");

        var card = Assert.Single(NextActionPlanner.Plan([(Candidate("vip-churn"), new ActionAudience("vip-churn", 10, 8, null))], new Dictionary<string, MeasuredUplift> { ["vip-churn-prevention"] = uplift }, "JPY"));

        Assert.Contains("効果があるとはまだ言えません", card.Why.Japanese, StringComparison.Ordinal);
        Assert.Equal(new MoneyRange(400, -1600, 2400), card.ExpectedRevenue);
        Assert.Contains("−￥1,600", card.ExpectedText.Japanese, StringComparison.Ordinal);
    }

    [Fact]
    public void At_most_five_actions_are_proposed()
    {
        var many = Enumerable.Range(0, 8).Select(i => (Candidate("dormant") with { Id = $"d{i}" }, new ActionAudience($"d{i}", 10 + i, 5, null))).ToList();

        Assert.Equal(5, NextActionPlanner.Plan(many, new Dictionary<string, MeasuredUplift>(), "JPY").Count);
    }

    [Theory]
    [InlineData("dormant-reactivation", "dormant-reactivation")]
    [InlineData("dormant-reactivation-summer", "dormant-reactivation")]
    [InlineData("vip-churn-prevention-2", "vip-churn-prevention")]
    [InlineData("dormant-reactivations", null)]
    [InlineData("my-own", null)]
    public void A_scenario_belongs_to_the_preset_its_id_names(string scenarioId, string? preset) =>
        Assert.Equal(preset, MeasuredUplift.PresetOf(scenarioId, ["dormant-reactivation", "vip-churn-prevention", "f2-conversion"]));

    [Fact]
    public void The_uplift_is_read_from_a_scenarios_results_against_its_holdout()
    {
        var outcomes = Enumerable.Range(0, 100).Select(i => new EnrollmentOutcome("treated", false, 1, i % 5 == 0, i % 5 == 0 ? 5000 : 0))
            .Concat(Enumerable.Range(0, 20).Select(i => new EnrollmentOutcome(null, true, 0, i % 10 == 0, i % 10 == 0 ? 5000 : 0)));
        var results = ScenarioResults.Compute(outcomes);

        var uplift = MeasuredUplift.From("dormant-reactivation", results)!;

        Assert.Equal((100L, 20L), (uplift.Treated, uplift.Holdout));
        Assert.Equal(1000 - 500, uplift.RevenuePerCustomer.Estimate, 9);
        Assert.Equal(0.2 - 0.1, uplift.Conversion.Estimate, 9);
        Assert.Null(MeasuredUplift.From("x", ScenarioResults.Compute(outcomes.Where(o => !o.HeldOut))));
    }

    [Fact]
    public void A_scenario_in_which_nobody_has_bought_yet_measures_nothing_so_its_card_keeps_the_segments_history()
    {
        // Started today: nine reached, two held out, no order yet on either side. Its uplift would read ￥0 (￥0〜￥0).
        var outcomes = Enumerable.Range(0, 9).Select(_ => new EnrollmentOutcome("treated", false, 1, false, 0))
            .Concat(Enumerable.Range(0, 2).Select(_ => new EnrollmentOutcome(null, true, 0, false, 0)));
        var results = ScenarioResults.Compute(outcomes);
        Assert.Contains(results.Uplift, u => u.Treatment == ScenarioResults.AllArms);

        var uplift = MeasuredUplift.From("vip-churn-prevention-vip-slipping-202612072230", results)!;

        var card = Assert.Single(NextActionPlanner.Plan([(Candidate("vip-churn"), new ActionAudience("vip-churn", 17, 17, DormantPast))], ForPreset(uplift), "JPY"));

        Assert.Equal(BasisKind.HistoricalConversion, card.Basis);
        Assert.Null(card.Uplift);
        Assert.NotEqual(0, card.ExpectedRevenue!.Estimate);
        Assert.Contains("ホールドアウト 2 人のうち購入 0 人", card.Why.Japanese, StringComparison.Ordinal);
    }

    [Fact]
    public void Money_reads_as_yen_with_commas_or_with_the_currency_code()
    {
        Assert.Equal("￥1,234,568", Money.Format(1234567.8, "JPY"));
        Assert.Equal("−￥500", Money.Format(-500, "JPY"));
        Assert.Equal("12.50 USD", Money.Format(12.5, "USD"));
    }

    [Fact]
    public void A_segment_whose_past_members_never_bought_gets_the_rates_upper_bound_and_no_amount()
    {
        var card = Assert.Single(NextActionPlanner.Plan(
            [(Candidate("dormant-call"), new ActionAudience("dormant-call", 148, 148, new HistoricalConversion(AsOf, 30, 136, 0, 0, 0)))],
            new Dictionary<string, MeasuredUplift>(), "JPY"));

        Assert.Equal(BasisKind.HistoricalConversion, card.Basis);
        Assert.Null(card.ExpectedRevenue);
        Assert.Contains("136 人は、30 日以内に誰も購入しませんでした（購入率の 95% 上限 2.2%）", card.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("見込み額は示しません", card.ExpectedText.Japanese, StringComparison.Ordinal);
    }

    /// <summary>A scenario's results with <paramref name="treated"/> reached customers and <paramref name="held"/> held out, the first of each buying for the amounts given.</summary>
    private static ScenarioResults Results(int treated, int treatedBuyers, int held, int heldBuyers, decimal treatedAmount = 5000, decimal heldAmount = 5000, string currency = "JPY") =>
        ScenarioResults.Compute(
            Enumerable.Range(0, treated).Select(i => new EnrollmentOutcome("treated", false, 1, i < treatedBuyers, i < treatedBuyers ? treatedAmount : 0))
                .Concat(Enumerable.Range(0, held).Select(i => new EnrollmentOutcome(null, true, 0, i < heldBuyers, i < heldBuyers ? heldAmount : 0))),
            currency: currency);

    private static Dictionary<string, MeasuredUplift> ForPreset(MeasuredUplift uplift) => new() { [MeasuredUplift.PresetOf(uplift.ScenarioId, ActionCatalog.All.Select(c => c.PresetId))!] = uplift };

    [Fact]
    public void The_cards_amount_is_the_reachable_customers_times_the_welch_interval_computed_independently()
    {
        // Reached: 1,000 … 6,000 and six who bought nothing; held out: 1,000, 1,000, 2,000, 2,000, 4,000 and five zeros.
        // Worked apart from the code (Welch–Satterthwaite, t quantile by integrating the density): means 1,750 and
        // 1,000, variances 4,931,818.18 and 1,777,777.78, se 767.3087, df 18.3729, t(0.975) 2.097870, so the uplift is
        // 750 with the 95 % interval −859.7136 to 2,359.7136 per customer.
        decimal[] reached = [1000, 2000, 3000, 4000, 5000, 6000, 0, 0, 0, 0, 0, 0];
        decimal[] held = [1000, 1000, 2000, 2000, 4000, 0, 0, 0, 0, 0];
        var results = ScenarioResults.Compute(
            reached.Select(r => new EnrollmentOutcome("treated", false, 1, r > 0, r)).Concat(held.Select(r => new EnrollmentOutcome(null, true, 0, r > 0, r))));
        var uplift = MeasuredUplift.From("f2-conversion", results)!;

        var card = Assert.Single(NextActionPlanner.Plan([(Candidate("f2"), new ActionAudience("f2", 120, 100, null))], ForPreset(uplift), "JPY"));

        Assert.Equal(BasisKind.HoldoutUplift, card.Basis);
        Assert.Equal(75_000, card.ExpectedRevenue!.Estimate, 6);
        Assert.Equal(-85_971.36, card.ExpectedRevenue.Lower, 1);
        Assert.Equal(235_971.36, card.ExpectedRevenue.Upper, 1);
    }

    [Fact]
    public void An_uplift_measured_in_another_currency_is_not_quoted_as_the_cards_and_the_card_says_why()
    {
        var uplift = MeasuredUplift.From("dormant-reactivation", Results(200, 40, 100, 10, 50, 50, currency: "USD"))!;

        var card = Assert.Single(NextActionPlanner.Plan([(Candidate("dormant"), new ActionAudience("dormant", 1200, 1000, DormantPast))], ForPreset(uplift), "JPY"));

        Assert.Equal(BasisKind.HistoricalConversion, card.Basis);
        Assert.Null(card.Uplift);
        Assert.Equal(400_000, card.ExpectedRevenue!.Estimate, 6);
        Assert.Contains("シナリオ「dormant-reactivation」の結果は USD 建て", card.Why.Japanese, StringComparison.Ordinal);
        Assert.DoesNotContain("まだこの店舗で測られていません", card.Why.Japanese, StringComparison.Ordinal);
    }

    [Fact]
    public void An_uplift_with_fewer_than_five_buyers_or_non_buyers_on_a_side_is_not_used_and_the_card_says_why()
    {
        // Twenty held out, two of whom bought: the holdout's rate and spend rest on two customers.
        var few = MeasuredUplift.From("dormant-reactivation-pilot", Results(200, 40, 20, 2))!;

        var card = Assert.Single(NextActionPlanner.Plan([(Candidate("dormant"), new ActionAudience("dormant", 1200, 1000, DormantPast))], ForPreset(few), "JPY"));
        var none = Assert.Single(NextActionPlanner.Plan([(Candidate("dormant"), new ActionAudience("dormant", 1200, 1000, null))], ForPreset(few), "JPY"));

        Assert.Equal(BasisKind.HistoricalConversion, card.Basis);
        Assert.Contains("「dormant-reactivation-pilot」", card.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("ホールドアウト 20 人のうち購入 2 人", card.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("too few", card.Why.English, StringComparison.Ordinal);
        Assert.Equal(BasisKind.None, none.Basis);
        Assert.Null(none.ExpectedRevenue);
        Assert.StartsWith("根拠となる実績がありません", none.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("ホールドアウト 20 人のうち購入 2 人", none.Why.Japanese, StringComparison.Ordinal);

        // Five buyers and five non-buyers on each side is enough.
        var enough = MeasuredUplift.From("dormant-reactivation-pilot", Results(200, 40, 10, 5))!;
        Assert.Equal(BasisKind.HoldoutUplift, NextActionPlanner.Plan([(Candidate("dormant"), new ActionAudience("dormant", 1200, 1000, DormantPast))], ForPreset(enough), "JPY")[0].Basis);
    }

    [Fact]
    public void An_uplift_wholly_below_zero_is_called_a_loss_and_ranks_after_every_action_that_may_pay()
    {
        // The reached bought less than the held out: −750 a customer, the interval wholly below zero.
        var loss = MeasuredUplift.From("f2-conversion", Results(400, 20, 400, 80))!;
        Assert.True(loss.RevenuePerCustomer.Upper < 0);

        var plan = NextActionPlanner.Plan(
            [(Candidate("f2"), new ActionAudience("f2", 500, 400, null)), (Candidate("dormant"), new ActionAudience("dormant", 1200, 1000, DormantPast)), (Candidate("vip-churn"), new ActionAudience("vip-churn", 40, 30, null))],
            ForPreset(loss), "JPY");

        Assert.Equal(["dormant", "vip-churn", "f2"], plan.Select(a => a.Id));
        var f2 = plan[^1];
        Assert.Equal(BasisKind.HoldoutUplift, f2.Basis);
        Assert.DoesNotContain("0 をまたぐ", f2.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("売上を減らしました", f2.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("reduced revenue", f2.Why.English, StringComparison.Ordinal);
    }

    [Fact]
    public void A_segment_nobody_can_be_reached_in_gets_no_amount_and_ranks_after_those_that_can_be_reached()
    {
        var uplift = MeasuredUplift.From("vip-churn-prevention", Results(400, 80, 400, 40))!;

        var plan = NextActionPlanner.Plan(
            [(Candidate("vip-churn"), new ActionAudience("vip-churn", 40, 0, null)), (Candidate("dormant"), new ActionAudience("dormant", 1200, 1000, DormantPast)), (Candidate("subscription"), new ActionAudience("subscription", 30, 0, DormantPast))],
            ForPreset(uplift), "JPY");

        Assert.Equal(["dormant", "vip-churn", "subscription"], plan.Select(a => a.Id));
        foreach (var unreachable in plan.Skip(1))
        {
            Assert.Equal(0, unreachable.Reachable);
            Assert.Null(unreachable.ExpectedRevenue);
            Assert.Contains("届く顧客がいない", unreachable.ExpectedText.Japanese, StringComparison.Ordinal);
            Assert.Contains("can be reached", unreachable.ExpectedText.English, StringComparison.Ordinal);
        }

        Assert.Equal(BasisKind.HoldoutUplift, plan[1].Basis);
    }

    [Theory]
    [InlineData(2, "77.6")]
    [InlineData(10, "25.9")]
    [InlineData(136, "2.2")]
    public void When_nobody_bought_the_rates_upper_bound_is_the_exact_one_sided_95_percent_bound(int members, string upper)
    {
        // (1 − p)^n = 0.05: 1 − 0.05^(1/n), which the rule of three (3/n) approximates for large n only (3/2 would be 150 %).
        var card = Assert.Single(NextActionPlanner.Plan(
            [(Candidate("dormant-call"), new ActionAudience("dormant-call", 148, 148, new HistoricalConversion(AsOf, 30, members, 0, 0, 0)))],
            new Dictionary<string, MeasuredUplift>(), "JPY"));

        Assert.Contains($"購入率の 95% 上限 {upper}%", card.Why.Japanese, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scenarios_goal_windows_are_read_from_its_definitions_and_an_edited_holdout_window_shows()
    {
        var preset = Kozuchi.Core.Tests.Scenarios.Definitions.Parse(Kozuchi.Core.Tests.Scenarios.Definitions.Preset("vip-churn-prevention.json"));
        var shorter = preset with { Steps = [.. preset.Steps.Select(s => s is GoalStep { Id: "goal-holdout" } g ? g with { Window = new Duration { Days = 14 } } : s)] };

        Assert.Equal([TimeSpan.FromDays(45)], MeasuredUplift.GoalWindowsOf([preset]));
        Assert.Equal([TimeSpan.FromDays(14), TimeSpan.FromDays(45)], MeasuredUplift.GoalWindowsOf([preset, shorter]));
    }

    [Fact]
    public void An_uplift_whose_arms_and_holdout_count_purchases_over_different_goal_windows_is_not_used()
    {
        // The held-out customers' goal shortened to 14 days while the treated keep 45: the holdout has less time to buy,
        // and the "uplift" is partly the difference in windows.
        var uplift = MeasuredUplift.From("vip-churn-prevention", Results(400, 80, 400, 40))! with { GoalWindows = [TimeSpan.FromDays(14), TimeSpan.FromDays(45)] };

        var card = Assert.Single(NextActionPlanner.Plan([(Candidate("vip-churn"), new ActionAudience("vip-churn", 1200, 1000, DormantPast))], ForPreset(uplift), "JPY"));

        Assert.Equal(BasisKind.HistoricalConversion, card.Basis);
        Assert.Contains("目標期間が経路によって違う（14 日・45 日）", card.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("different goal windows", card.Why.English, StringComparison.Ordinal);
    }

    [Fact]
    public void The_measured_uplift_says_its_goal_window_and_how_many_enrollments_are_still_inside_it()
    {
        var outcomes = Enumerable.Range(0, 400).Select(i => new EnrollmentOutcome("treated", false, 1, i < 80, i < 80 ? 5000 : 0) { Running = i >= 300 })
            .Concat(Enumerable.Range(0, 400).Select(i => new EnrollmentOutcome(null, true, 0, i < 40, i < 40 ? 5000 : 0) { Running = i >= 300 }));
        var uplift = MeasuredUplift.From("vip-churn-prevention", ScenarioResults.Compute(outcomes))! with { GoalWindows = [TimeSpan.FromDays(45)] };

        var card = Assert.Single(NextActionPlanner.Plan([(Candidate("vip-churn"), new ActionAudience("vip-churn", 1200, 1000, null))], ForPreset(uplift), "JPY"));

        Assert.Equal(BasisKind.HoldoutUplift, card.Basis);
        Assert.Equal(200, uplift.Running);
        Assert.Contains("目標期間 45 日", card.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("登録のうち 200 件はまだ目標期間の途中", card.Why.Japanese, StringComparison.Ordinal);
        Assert.Contains("45-day goal window", card.Why.English, StringComparison.Ordinal);
        Assert.Contains("200 of the enrollments are still inside their goal window", card.Why.English, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_several_scenarios_from_a_preset_a_sound_measurement_is_quoted_before_a_larger_unsound_one()
    {
        var large = MeasuredUplift.From("dormant-reactivation-big", Results(2000, 400, 1000, 3))!;
        var small = MeasuredUplift.From("dormant-reactivation-small", Results(200, 40, 100, 10))!;

        var chosen = MeasuredUplift.ByPreset([("dormant-reactivation", large), ("dormant-reactivation", small)], "JPY");

        Assert.Same(small, chosen["dormant-reactivation"]);
        Assert.Same(large, MeasuredUplift.ByPreset([("dormant-reactivation", large), ("dormant-reactivation", small with { Currency = "USD" })], "JPY")["dormant-reactivation"]);
    }
}
