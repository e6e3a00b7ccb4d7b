using Kozuchi.Core.Analytics;
using Kozuchi.Core.Common;
using static Kozuchi.Core.Tests.Analytics.AnalyticsData;

namespace Kozuchi.Core.Tests.Analytics;

public sealed class KpiAndCohortTests
{
    private static IReadOnlyList<CustomerHistory> Example(DateOnly? asOf = null) => CustomerHistory.From(AnalyticsData.Example(), asOf ?? ExampleAsOf, ShopTime.Tokyo);

    /// <summary>A group of a single-currency shop: every figure as expected, no other currency listed.</summary>
    private static void AssertGroup(AcquisitionGroup expected, AcquisitionGroup actual)
    {
        Assert.Empty(actual.OtherCurrencies);
        Assert.Equal(expected with { OtherCurrencies = actual.OtherCurrencies }, actual);
    }

    [Fact]
    public void Histories_keep_active_customers_counted_orders_up_to_the_as_of_day_in_shop_time()
    {
        var histories = Example().ToDictionary(h => h.CustomerId);

        Assert.Equal(["A", "B", "C", "D"], histories.Keys.Order(StringComparer.Ordinal));
        Assert.Single(histories["C"].Orders);
        Assert.Equal(new DateOnly(2026, 3, 1), histories["D"].First.Day);
    }

    [Fact]
    public void Monthly_kpis_of_the_worked_example_match_the_hand_computation()
    {
        var report = MonthlyKpis.Compute(Example(), ExampleAsOf);

        Assert.Equal(["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"], report.Months.Select(m => m.Month));
        var (jan, feb, mar, apr, may) = (report.Months[0], report.Months[1], report.Months[2], report.Months[3], report.Months[4]);

        // January: a1 1,000 + a2 2,000 + b1 500; new = first orders a1 + b1 = 1,500; A and B active and new.
        Assert.Equal((3500m, 1500m, 2000m, 3, 2, 2), (jan.Sales, jan.NewSales, jan.RepeatSales, jan.Orders, jan.ActiveCustomers, jan.NewCustomers));
        Assert.Equal(0, jan.RepeatRate);
        Assert.Equal(3500m / 3, jan.Aov);
        // F2 of January's {A (15 days), B (76 days)}: ≤30 and ≤60 only A = 1/2; ≤90 both (Jan 31 + 90 = May 1 ≤ May 31);
        // ≤180 not observable until Jul 30.
        Assert.Equal(new F2Conversion(0.5, 0.5, 1.0, null), jan.F2);

        // February: c1 only (c2 was cancelled). C never came back: F2 0 where observable (Feb 28 + 90 = May 29).
        Assert.Equal((4000m, 4000m, 0m, 1, 1, 1), (feb.Sales, feb.NewSales, feb.RepeatSales, feb.Orders, feb.ActiveCustomers, feb.NewCustomers));
        Assert.Equal(new F2Conversion(0, 0, 0, null), feb.F2);

        // March: a3 3,000 (repeat) + d1 800 (new; 01:00 JST on March 1) → repeat rate 1/2, AOV 3,800/2.
        Assert.Equal((3800m, 800m, 3000m, 2, 2, 1, 1), (mar.Sales, mar.NewSales, mar.RepeatSales, mar.Orders, mar.ActiveCustomers, mar.NewCustomers, mar.RepeatCustomers));
        Assert.Equal(0.5, mar.RepeatRate);
        Assert.Equal(1900m, mar.Aov);
        Assert.Equal(new F2Conversion(0, 0, null, null), mar.F2);

        // April: b2 1,500, a repeat by a returning customer: repeat rate 1; no new customers, so no F2.
        Assert.Equal((1500m, 0m, 1500m, 1, 1, 0), (apr.Sales, apr.NewSales, apr.RepeatSales, apr.Orders, apr.ActiveCustomers, apr.NewCustomers));
        Assert.Equal(1, apr.RepeatRate);
        Assert.Equal(new F2Conversion(null, null, null, null), apr.F2);

        // May: nothing; the month is kept so charts keep their axis.
        Assert.Equal((0m, 0, 0), (may.Sales, may.Orders, may.ActiveCustomers));
        Assert.Null(may.RepeatRate);
        Assert.Null(may.Aov);
        Assert.True(may.Complete);
    }

    [Fact]
    public void Current_month_is_incomplete_until_its_last_day()
    {
        var report = MonthlyKpis.Compute(Example(new DateOnly(2026, 4, 15)), new DateOnly(2026, 4, 15));

        Assert.Equal("2026-04", report.Months[^1].Month);
        Assert.False(report.Months[^1].Complete);
        Assert.True(report.Months[^2].Complete);
    }

    [Fact]
    public void Targets_show_actual_and_progress_and_stay_empty_where_the_month_is_unknown()
    {
        KpiTarget[] targets = [new(KpiNames.Sales, "2026-03", 5000), new(KpiNames.RepeatRate, "2026-04", 0.5), new(KpiNames.NewCustomers, "2026-06", 3)];

        var report = MonthlyKpis.Compute(Example(), ExampleAsOf, targets);

        // March sales 3,800 of 5,000 = 76%; April repeat rate 1.0 of 0.5 = 200%; June is not in the report.
        Assert.Equal(new KpiProgress(KpiNames.Sales, "2026-03", 5000, 3800, 0.76), report.Targets[0]);
        Assert.Equal(new KpiProgress(KpiNames.RepeatRate, "2026-04", 0.5, 1, 2), report.Targets[1]);
        Assert.Equal(new KpiProgress(KpiNames.NewCustomers, "2026-06", 3, null, null), report.Targets[2]);
    }

    [Fact]
    public void Cohorts_by_first_month_match_the_hand_computation()
    {
        var cohorts = Cohorts.ByFirstMonth(Example(), ExampleAsOf);

        Assert.Equal(["2026-01", "2026-02", "2026-03"], cohorts.Select(c => c.Month));
        // January {A, B}: in February nobody came back (A's 01-20 repeat is in month 0); in April B did → 1/2.
        // Months 6 and 12 (July, next January) have not ended.
        Assert.Equal(2, cohorts[0].Customers);
        Assert.Equal(new AtMonths<double>(0, 0.5, null, null), cohorts[0].Retention);
        // LTV to Feb 28: A 3,000 + B 500 = 3,500 / 2; to Apr 30: A 6,000 + B 2,000 = 8,000 / 2.
        Assert.Equal(new AtMonths<decimal>(1750, 4000, null, null), cohorts[0].Ltv);
        // February {C}: no return in March or May; LTV stays 4,000. March {D}: June has not ended.
        Assert.Equal(new AtMonths<double>(0, 0, null, null), cohorts[1].Retention);
        Assert.Equal(new AtMonths<decimal>(4000, 4000, null, null), cohorts[1].Ltv);
        Assert.Equal(new AtMonths<double>(0, null, null, null), cohorts[2].Retention);
        Assert.Equal(new AtMonths<decimal>(800, null, null, null), cohorts[2].Ltv);
    }

    [Fact]
    public void Cohorts_follow_every_month_from_1_to_12_with_the_earlier_1_3_6_12_fields_the_same()
    {
        var histories = CustomerHistory.From(
            [C("x", "x", O("x1", "2025-01-15", 1000, "P"), O("x2", "2025-02-10", 500, "P"), O("x3", "2025-02-20", 300, "P"), O("x4", "2025-05-01", 200, "P"), O("x5", "2026-01-05", 1000, "P"), O("x6", "2026-02-01", 9000, "P")),
             C("y", "x", O("y1", "2025-01-31", 2000, "P"))],
            new DateOnly(2026, 2, 28),
            ShopTime.Tokyo);

        var january = Cohorts.ByFirstMonth(histories, new DateOnly(2026, 1, 31)).Single(c => c.Month == "2025-01");

        // X came back in February (twice: counted once), May and the next January; Y never. LTV: 3,000 in January,
        // +800 by the end of February, +200 by May's, +1,000 by the next January's; February 2026 (k = 13) is not in it.
        double[] retention = [0.5, 0, 0, 0.5, 0, 0, 0, 0, 0, 0, 0, 0.5];
        decimal[] ltv = [1900, 1900, 1900, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 2500];
        Assert.Equal(Enumerable.Range(1, 12).Select(k => new CohortMonth(k, retention[k - 1], ltv[k - 1])), january.Months);
        Assert.Equal(new AtMonths<double>(0.5, 0, 0, 0.5), january.Retention);
        Assert.Equal(new AtMonths<decimal>(1900, 1900, 2000, 2500), january.Ltv);

        // A day earlier, the twelfth month has not ended: blank, not zero.
        var before = Cohorts.ByFirstMonth(histories, new DateOnly(2026, 1, 30)).Single(c => c.Month == "2025-01");
        Assert.Equal(new CohortMonth(12, null, null), before.Months[^1]);
        Assert.Equal(new CohortMonth(11, 0, 2000), before.Months[^2]);
    }

    [Fact]
    public void Acquisition_media_show_continuation_and_ltv()
    {
        var media = Cohorts.ByMedium(Example(), ExampleAsOf);

        // google {A, D}: A repeats within 15 days, D never; both have had 90 days (Apr 5, May 30); LTV (6,000 + 800)/2.
        AssertGroup(new AcquisitionGroup("google", 2, 1, 0.5, 0.5, 2, 3400, null, []), media[0]);
        AssertGroup(new AcquisitionGroup(Cohorts.NoMedium, 1, 0, 0, 0, 1, 4000, null, []), media[1]);
        // line {B}: second order 76 days after the first.
        AssertGroup(new AcquisitionGroup("line", 1, 1, 1, 1, 2, 2000, null, []), media[2]);
    }

    [Fact]
    public void Entry_products_count_a_customer_in_each_product_of_the_first_order()
    {
        var entry = Cohorts.ByEntryProduct(Example(), ExampleAsOf);

        // P1: A and B entered with it, both came back (15 and 76 days), 5 orders, LTV (6,000 + 2,000)/2.
        AssertGroup(new AcquisitionGroup("P1", 2, 2, 1, 1, 2.5, 4000, null, []), entry[0]);
        // P3: C (with P2) and D; neither came back; LTV (4,000 + 800)/2.
        AssertGroup(new AcquisitionGroup("P3", 2, 0, 0, 0, 1, 2400, null, []), entry[1]);
        AssertGroup(new AcquisitionGroup("P2", 1, 0, 0, 0, 1, 4000, null, []), entry[2]);
    }

    [Fact]
    public void Ltv_after_365_days_counts_only_customers_acquired_a_year_before()
    {
        var histories = CustomerHistory.From(
            [C("old", "x", O("o1", "2025-01-10", 1000, "P"), O("o2", "2026-01-09", 500, "P"), O("o3", "2026-01-11", 700, "P")),
             C("new", "x", O("n1", "2026-01-01", 9000, "P"))],
            new DateOnly(2026, 1, 31),
            ShopTime.Tokyo);

        // "old": 1,000 + 500 (364 days later); the 366th-day order is outside; "new" has not had a year.
        Assert.Equal(1500m, Assert.Single(Cohorts.ByMedium(histories, new DateOnly(2026, 1, 31))).Ltv365);
    }

    [Fact]
    public void Kpis_on_generated_data_add_up_to_the_orders_and_customers_they_come_from()
    {
        var asOf = new DateOnly(2026, 10, 31);
        var records = AnalyticsData.Demo(400, 11, asOf);
        var histories = CustomerHistory.From(records, asOf, ShopTime.Tokyo);

        var report = MonthlyKpis.Compute(histories, asOf);

        var counted = records.SelectMany(r => r.Orders).Where(o => o.Counts).ToList();
        Assert.Equal(counted.Sum(o => o.Net), report.Months.Sum(m => m.Sales));
        Assert.Equal(counted.Count, report.Months.Sum(m => m.Orders));
        Assert.Equal(histories.Count, report.Months.Sum(m => m.NewCustomers));
        Assert.All(report.Months, m => Assert.Equal(m.Sales, m.NewSales + m.RepeatSales));
        Assert.All(report.Months, m => Assert.InRange(m.RepeatCustomers, 0, m.ActiveCustomers));
        // F2 within a window never exceeds F2 within a longer one.
        Assert.All(report.Months.Where(m => m.F2.Within180 is not null), m => Assert.True(m.F2.Within30 <= m.F2.Within60 && m.F2.Within60 <= m.F2.Within90 && m.F2.Within90 <= m.F2.Within180));
        // Cohort LTV only grows with time, and cohorts partition the customers.
        var cohorts = Cohorts.ByFirstMonth(histories, asOf);
        Assert.Equal(histories.Count, cohorts.Sum(c => c.Customers));
        Assert.All(cohorts.Where(c => c.Ltv.M12 is not null), c => Assert.True(c.Ltv.M1 <= c.Ltv.M3 && c.Ltv.M3 <= c.Ltv.M6 && c.Ltv.M6 <= c.Ltv.M12));
    }
}
