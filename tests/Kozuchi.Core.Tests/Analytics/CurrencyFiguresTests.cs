using Kozuchi.Core.Analytics;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Rfm;
using Kozuchi.Core.Scenarios.Stats;
using Kozuchi.Core.Segments;
using static Kozuchi.Core.Tests.Analytics.AnalyticsData;

namespace Kozuchi.Core.Tests.Analytics;

/// <summary>One currency per figure: amounts in different currencies are never added, anywhere.</summary>
public sealed class CurrencyFiguresTests
{
    private static readonly DateOnly AsOf = new(2026, 10, 31);

    private static OrderSummary O(string id, string jst, decimal net, string currency, params string[] products) =>
        AnalyticsData.O(id, jst, net, products) with { Currency = currency };

    /// <summary>
    /// A Japanese shop (base JPY) whose overseas store sells in USD, and an AUD shop's test customer:
    /// J1 ¥5,980 + ¥3,300; J2 ¥1,200; U1 $403.00 then ¥2,000 (value in USD, the JPY order apart); A1 A$89.95.
    /// </summary>
    private static IReadOnlyList<CustomerRecord> Shop() =>
    [
        C("J1", "google", O("j1", "2026-09-02", 5980m, "JPY", "SERUM"), O("j2", "2026-10-05", 3300m, "JPY", "SOAP")),
        C("J2", "line", O("j3", "2026-10-01", 1200m, "JPY", "SOAP")),
        C("U1", "google", O("u1", "2026-09-10", 403.00m, "USD", "IPOD"), O("u2", "2026-10-12", 2000m, "JPY", "SOAP")),
        C("A1", null, O("a1", "2026-10-14", 89.95m, "AUD", "BEANIE")),
    ];

    [Fact]
    public void A_usd_and_a_jpy_order_never_appear_in_one_sum_in_the_summary()
    {
        var summary = CustomerSummary.Of(Shop().Select(c => c.ToProfile()), "JPY");

        Assert.Equal((4, 6, "JPY"), (summary.Customers, summary.Orders, summary.Currency));
        Assert.Equal(5980m + 3300m + 1200m + 2000m, summary.Revenue);
        Assert.Equal(decimal.Round(12480m / 4, 2), summary.AverageOrderValue);
        Assert.Equal([new CurrencyFigures("AUD", 89.95m, 1, 89.95m), new CurrencyFigures("USD", 403.00m, 1, 403.00m)], summary.OtherCurrencies);
        Assert.Equal(["AUD", "JPY", "USD"], summary.Currencies);

        var inUsd = CustomerSummary.Of(Shop().Select(c => c.ToProfile()), "USD");
        Assert.Equal((403.00m, "USD"), (inUsd.Revenue, inUsd.Currency));
        Assert.Equal(["AUD", "JPY"], inUsd.OtherCurrencies.Select(o => o.Currency));
    }

    [Fact]
    public void A_customers_monetary_is_in_their_first_orders_currency_and_other_orders_are_kept_apart()
    {
        var profile = Shop().Single(c => c.CustomerId == "U1").ToProfile();

        Assert.Equal((403.00m, "USD", 2), (profile.Monetary, profile.Currency, profile.Frequency));
        Assert.Equal([new CurrencyTotal("JPY", 2000m, 1)], profile.OtherMonetary);
        Assert.Equal(403.00m, profile.AverageOrderValue);
        Assert.Equal(2000m, profile.MonetaryIn("JPY"));
        Assert.Null(profile.MonetaryIn("AUD"));
    }

    [Fact]
    public void Monthly_sales_are_in_the_report_currency_with_other_currencies_listed_apart()
    {
        var histories = CustomerHistory.From(Shop(), AsOf, ShopTime.Tokyo);
        var october = MonthlyKpis.Compute(histories, AsOf, currency: "JPY").Months.Single(m => m.Month == "2026-10");

        // JPY: j2 3,300 (repeat), j3 1,200 (new), u2 2,000 (repeat). A1's A$89.95 is a new customer's first order, apart.
        Assert.Equal((6500m, 1200m, 5300m, 4), (october.Sales, october.NewSales, october.RepeatSales, october.Orders));
        Assert.Equal(6500m / 3, october.Aov);
        Assert.Equal([new CurrencySales("AUD", 89.95m, 89.95m, 0m, 1)], october.OtherCurrencies);
        Assert.Equal((4, 2), (october.ActiveCustomers, october.NewCustomers));
    }

    [Fact]
    public void Cohort_and_acquisition_ltv_are_per_currency_never_blended()
    {
        var histories = CustomerHistory.From(Shop(), AsOf, ShopTime.Tokyo);

        var september = Cohorts.ByFirstMonth(histories, AsOf, "JPY").Single(c => c.Month == "2026-09");
        Assert.Equal(2, september.Customers);
        Assert.Equal(5980m + 3300m, september.Ltv.M1);
        var usd = Assert.Single(september.OtherCurrencies);
        Assert.Equal(("USD", 1, 403.00m), (usd.Currency, usd.Customers, usd.Ltv.M1));
        Assert.Equal(new LtvAtMonth(1, 403.00m), usd.Months[0]);
        Assert.Equal(5980m + 3300m, september.Months[0].Ltv);
        Assert.Equal(Cohorts.MonthsAfter, usd.Months.Count);

        var google = Cohorts.ByMedium(histories, AsOf, "JPY").Single(g => g.Group == "google");
        Assert.Equal((2, 9280m), (google.Customers, google.Ltv));
        Assert.Equal([new CurrencyGroupValue("USD", 1, 403.00m, null)], google.OtherCurrencies);

        var none = Cohorts.ByMedium(histories, AsOf, "JPY").Single(g => g.Group == Cohorts.NoMedium);
        Assert.Null(none.Ltv);
        Assert.Equal("AUD", Assert.Single(none.OtherCurrencies).Currency);
    }

    [Fact]
    public void Rfm_revenue_is_per_currency_in_every_cell_and_in_total()
    {
        var grid = RfmGrid.Build(Shop().Select(c => c.ToProfile()), AsOf, ShopTime.Tokyo.Zone, RfmSettings.Default, "JPY");

        Assert.Equal(("JPY", 12480m), (grid.Currency, grid.Revenue));
        Assert.Equal([new CurrencyTotal("AUD", 89.95m, 1), new CurrencyTotal("USD", 403.00m, 1)], grid.OtherRevenue);
        var r1f2 = grid.Cells.Single(c => c.R == 1 && c.F == 2);
        Assert.Equal((2, 9280m + 2000m), (r1f2.Customers, r1f2.Revenue));
        Assert.Equal([new CurrencyTotal("USD", 403.00m, 1)], r1f2.OtherRevenue);
    }

    [Fact]
    public void Clv_is_fitted_on_one_currencys_customers_and_orders()
    {
        var jpy = RepeatSummaries.FromCustomers(Shop(), AsOf, ShopTime.Tokyo, 7, "JPY");
        Assert.Equal(["J1", "J2"], jpy.Select(s => s.CustomerId));
        Assert.Equal(3300m, (decimal)jpy[0].MonetaryValue);

        var usd = Assert.Single(RepeatSummaries.FromCustomers(Shop(), AsOf, ShopTime.Tokyo, 7, "USD"));
        Assert.Equal(("U1", 0), (usd.CustomerId, usd.Frequency));
    }

    [Fact]
    public void Scenario_revenue_and_roas_are_in_the_shops_currency_and_conversions_in_another_are_listed_apart()
    {
        EnrollmentOutcome[] rows =
        [
            new("a", false, 1, true, 5980m, 100m, "JPY"),
            new("a", false, 1, true, 403.00m, 100m, "USD"),
            new("a", false, 1, false, 0m, 100m),
            new("a", false, 1, true, 1000m, 100m),
        ];

        var results = ScenarioResults.Compute(rows, ["a"], currency: "JPY");

        Assert.Equal((3L, 6980m, "JPY"), (results.Converted, results.Revenue, results.Currency));
        Assert.Equal([new CurrencyTotal("USD", 403.00m, 1)], results.OtherRevenue);
        var arm = Assert.Single(results.Arms);
        Assert.Equal((6980m, 6980.0 / 4, 6980.0 / 400), (arm.Revenue, arm.RevenuePerCustomer, arm.Roas!.Value));
        Assert.Equal([new CurrencyTotal("USD", 403.00m, 1)], arm.OtherRevenue);
    }

    [Fact]
    public void A_monetary_segment_rule_compares_in_one_currency()
    {
        var context = new SegmentContext(new DateTimeOffset(2026, 10, 31, 12, 0, 0, TimeSpan.FromHours(9)), ShopTime.Tokyo);
        var profiles = Shop().Select(c => c.ToProfile()).ToList();
        SegmentRule Rule(string json) => SegmentJson.Parse($$"""{"id":"s","rule":{{json}}}""").Definition!.Rule;

        Assert.Equal(["J1", "U1"], SegmentEvaluator.Members(Rule("""{"type":"monetary","min":2000}"""), profiles, context));
        Assert.Equal(["U1"], SegmentEvaluator.Members(Rule("""{"type":"monetary","min":100,"currency":"USD"}"""), profiles, context));
        Assert.Equal(["A1"], SegmentEvaluator.Members(Rule("""{"type":"monetary","max":100}"""), profiles, context with { Currency = "AUD" }));
        Assert.Contains(SegmentJson.Parse("""{"id":"s","rule":{"type":"monetary","min":1,"currency":"US$"}}""").Errors, e => e.Message.Contains("ISO 4217", StringComparison.Ordinal));
    }
}
