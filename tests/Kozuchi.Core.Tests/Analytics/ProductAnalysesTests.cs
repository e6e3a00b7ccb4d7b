using FsCheck;
using FsCheck.Fluent;
using Kozuchi.Core.Analytics;
using Kozuchi.Core.Common;
using static Kozuchi.Core.Tests.Analytics.AnalyticsData;

namespace Kozuchi.Core.Tests.Analytics;

public sealed class ProductAnalysesTests
{
    private static IReadOnlyList<CustomerHistory> Example() => CustomerHistory.From(AnalyticsData.Example(), ExampleAsOf, ShopTime.Tokyo);

    [Fact]
    public void Conversions_pair_each_product_of_an_order_with_each_of_the_next_and_give_day_quartiles()
    {
        var conversions = ProductAnalyses.Conversions(Example());

        // A: [P1] →15 days→ [P1,P2] →49 days→ [P2]; B: [P1] →76 days→ [P3].
        // P1→P2 twice (15 and 49 days): median 32, Q1 = 15 + 0.25·34 = 23.5, Q3 = 15 + 0.75·34 = 40.5.
        Assert.Equal(new ProductConversion("P1", "P2", 2, 32, 23.5, 40.5), conversions[0]);
        Assert.Equal(
            [new ProductConversion("P1", "P1", 1, 15, 15, 15), new ProductConversion("P1", "P3", 1, 76, 76, 76), new ProductConversion("P2", "P2", 1, 49, 49, 49)],
            conversions.Skip(1));
    }

    [Fact]
    public void Conversions_from_the_first_to_the_second_order_only()
    {
        var conversions = ProductAnalyses.Conversions(Example(), firstToSecondOnly: true);

        Assert.Equal(
            [new ProductConversion("P1", "P1", 1, 15, 15, 15), new ProductConversion("P1", "P2", 1, 15, 15, 15), new ProductConversion("P1", "P3", 1, 76, 76, 76)],
            conversions);
    }

    [Fact]
    public void Days_to_second_purchase_are_bucketed_and_summarised()
    {
        var result = ProductAnalyses.DaysToSecond(Example());

        // A after 15 days, B after 76: median 45.5, Q1 = 15 + 0.25·61 = 30.25, Q3 = 15 + 0.75·61 = 60.75.
        Assert.Equal(2, result.Customers);
        Assert.Equal(new Spread(2, 30.25, 45.5, 60.75, 45.5), result.Days);
        Assert.Equal(1, result.Buckets.Single(b => b.FromDays == 15).Customers);
        Assert.Equal(1, result.Buckets.Single(b => b.FromDays == 61).Customers);
        Assert.Equal(2, result.Buckets.Sum(b => b.Customers));
        Assert.Null(result.Buckets[^1].ToDays);
    }

    [Fact]
    public void Basket_of_the_worked_example_matches_the_hand_computation()
    {
        var basket = ProductAnalyses.Basket(Example());

        // 7 orders: a1[P1] a2[P1,P2] a3[P2] b1[P1] b2[P3] c1[P2,P3] d1[P3]; each product in 3 of them.
        // P1+P2 and P2+P3 once each: support 1/7, confidence 1/3 both ways, lift (1·7)/(3·3) = 7/9.
        Assert.Equal(2, basket.Count);
        foreach (var (pair, a, b) in basket.Zip([("P1", "P2"), ("P2", "P3")], (p, e) => (p, e.Item1, e.Item2)))
        {
            Assert.Equal((a, b, 1), (pair.ProductA, pair.ProductB, pair.Orders));
            Assert.Equal(1.0 / 7, pair.Support, 12);
            Assert.Equal(1.0 / 3, pair.ConfidenceAToB, 12);
            Assert.Equal(1.0 / 3, pair.ConfidenceBToA, 12);
            Assert.Equal(7.0 / 9, pair.Lift, 12);
        }
    }

    [Fact]
    public void Basket_lift_is_above_one_for_products_always_bought_together()
    {
        var histories = CustomerHistory.From(
            [C("x", null, O("1", "2026-01-01", 1, "A", "B"), O("2", "2026-01-02", 1, "C")), C("y", null, O("3", "2026-01-03", 1, "B", "A"), O("4", "2026-01-04", 1, "C"))],
            new DateOnly(2026, 2, 1), ShopTime.Tokyo);

        var pair = Assert.Single(ProductAnalyses.Basket(histories));

        // 4 orders, A and B in 2 of them, always together: lift = 2·4/(2·2) = 2, confidence 1.
        Assert.Equal(("A", "B", 2, 2.0, 1.0), (pair.ProductA, pair.ProductB, pair.Orders, pair.Lift, pair.ConfidenceAToB));
    }

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property Basket_measures_stay_consistent_on_random_baskets()
    {
        var product = Gen.Elements("A", "B", "C", "D", "E");
        var order = Gen.ListOf(product).Select(l => l.Distinct().ToArray());
        var orders = Gen.NonEmptyListOf(order);
        return Prop.ForAll(orders.ToArbitrary(), baskets =>
        {
            var histories = CustomerHistory.From(
                [C("c", null, [.. baskets.Select((b, i) => O($"o{i}", "2026-01-01", 1, b))])],
                new DateOnly(2026, 1, 31), ShopTime.Tokyo);
            var withProducts = baskets.Count(b => b.Length > 0);
            return ProductAnalyses.Basket(histories).All(p =>
            {
                // Recount the pair and its products straight from the baskets.
                var both = baskets.Count(b => b.Contains(p.ProductA) && b.Contains(p.ProductB));
                var na = baskets.Count(b => b.Contains(p.ProductA));
                var nb = baskets.Count(b => b.Contains(p.ProductB));
                return string.CompareOrdinal(p.ProductA, p.ProductB) < 0
                    && p.Orders == both
                    && Math.Abs(p.Support - ((double)both / withProducts)) < 1e-12
                    && Math.Abs(p.ConfidenceAToB - ((double)both / na)) < 1e-12
                    && Math.Abs(p.Lift * na * nb - ((double)both * withProducts)) < 1e-9;
            });
        });
    }
}
