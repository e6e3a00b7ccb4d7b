using System.Globalization;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Demo;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Tests.Identity;

/// <summary>
/// Identity resolution measured against the demo generator's ground truth: every order through the ledger, then
/// pairwise precision (pairs of orders put together that belong together) and recall (pairs that belong together
/// and were put together).
/// </summary>
public sealed class ResolutionQualityTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    internal static (double Precision, double Recall, int Clusters, int People, int SplitPeople) Measure(DemoData data)
    {
        var set = new IngestWorkingSet();
        foreach (var order in data.Orders)
        {
            CustomerLedger.Apply(set, order, Now);
        }

        var predicted = data.Orders.ToDictionary(o => o.Key, o => CustomerLedger.Resolve(set, set.OrdersByKey[o.Key].CustomerId));
        var (precision, recall) = PairwiseScores(predicted, data.GroundTruth);
        var split = predicted.GroupBy(p => data.GroundTruth[p.Key], StringComparer.Ordinal).Count(g => g.Select(p => p.Value).Distinct(StringComparer.Ordinal).Count() > 1);
        return (precision, recall, predicted.Values.Distinct(StringComparer.Ordinal).Count(), data.People, split);
    }

    /// <summary>Pairwise scores by counting over the contingency table of (predicted, true) clusters, not over pairs.</summary>
    internal static (double Precision, double Recall) PairwiseScores(IReadOnlyDictionary<OrderKey, string> predicted, IReadOnlyDictionary<OrderKey, string> truth)
    {
        static long Pairs(long n) => n * (n - 1) / 2;
        var together = predicted.GroupBy(p => (p.Value, truth[p.Key])).Sum(g => Pairs(g.Count()));
        var predictedPairs = predicted.GroupBy(p => p.Value, StringComparer.Ordinal).Sum(g => Pairs(g.Count()));
        var truePairs = truth.GroupBy(p => p.Value, StringComparer.Ordinal).Sum(g => Pairs(g.Count()));
        return (predictedPairs == 0 ? 1 : (double)together / predictedPairs, truePairs == 0 ? 1 : (double)together / truePairs);
    }

    [Fact]
    public void Pairwise_scores_count_pairs_of_orders()
    {
        OrderKey K(int i) => new("t", i.ToString(CultureInfo.InvariantCulture));
        var truth = new Dictionary<OrderKey, string> { [K(1)] = "a", [K(2)] = "a", [K(3)] = "a", [K(4)] = "b", [K(5)] = "b" };

        // a's orders split 2 + 1, b's two orders merged with a's third: 1 true pair found of 4, 1 of 2 predicted pairs right.
        var predicted = new Dictionary<OrderKey, string> { [K(1)] = "x", [K(2)] = "x", [K(3)] = "y", [K(4)] = "y", [K(5)] = "z" };
        Assert.Equal((1.0 / 2, 1.0 / 4), PairwiseScores(predicted, truth));
        Assert.Equal((1.0, 1.0), PairwiseScores(truth, truth));
    }

    [Fact]
    public void Resolution_on_generated_history_reaches_precision_and_recall_targets()
    {
        var data = DemoGenerator.Generate(new DemoOptions { Seed = 7, Customers = 3000, AsOf = new DateOnly(2026, 5, 31) });

        var (precision, recall, clusters, people, split) = Measure(data);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"identity resolution on {data.Orders.Count} orders of {people} people: {clusters} customers, pairwise precision {precision:F4}, recall {recall:F4}, people split over several customers {split}");
        Assert.True(precision >= 0.99, $"precision {precision:F4}");
        Assert.True(recall >= 0.98, $"recall {recall:F4}");

        // Pairwise recall is dominated by long 定期便 histories; by construction every person's orders are linked by
        // exact strong identifiers after normalisation, so no person may end up split.
        Assert.Equal(0, split);
    }

    [Fact]
    public void Namesakes_who_share_no_identifier_stay_apart_and_family_landlines_are_the_known_false_merges()
    {
        var data = DemoGenerator.Generate(new DemoOptions { Seed = 11, Customers = 2000, AsOf = new DateOnly(2026, 5, 31) });
        var set = new IngestWorkingSet();
        foreach (var order in data.Orders)
        {
            CustomerLedger.Apply(set, order, Now);
        }

        string Customer(Order o) => CustomerLedger.Resolve(set, set.OrdersByKey[o.Key].CustomerId);
        var keysOf = data.Orders.GroupBy(o => data.GroundTruth[o.Key])
            .ToDictionary(g => g.Key, g => g.SelectMany(IdentityKey.From).ToHashSet(), StringComparer.Ordinal);
        var firstOrder = data.Orders.GroupBy(o => data.GroundTruth[o.Key]).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        // People with the same name (山田 太郎 is common) and nothing strong in common are different customers.
        var namesakes = firstOrder.GroupBy(p => IdentityNormalizer.Name(p.Value.Contact.Name), StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .SelectMany(g => g.SelectMany(a => g.Where(b => string.CompareOrdinal(a.Key, b.Key) < 0 && !keysOf[a.Key].Overlaps(keysOf[b.Key])).Select(b => (A: a, B: b))))
            .ToList();
        Assert.NotEmpty(namesakes);
        Assert.All(namesakes, p => Assert.NotEqual(Customer(p.A.Value), Customer(p.B.Value)));

        // Every false merge is two people sharing a phone number: the family landline the generator plants.
        var merged = data.Orders.GroupBy(Customer).Where(g => g.Select(o => data.GroundTruth[o.Key]).Distinct().Count() > 1).ToList();
        Assert.NotEmpty(merged);
        Assert.All(merged, g =>
        {
            var people = g.Select(o => data.GroundTruth[o.Key]).Distinct().ToList();
            var shared = people.Select(p => keysOf[p]).Aggregate((a, b) => [.. a.Intersect(b)]);
            Assert.Contains(shared, k => k.Kind == IdentityKind.Phone);
        });
    }
}
