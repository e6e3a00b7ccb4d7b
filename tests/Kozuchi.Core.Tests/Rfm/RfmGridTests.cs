using Kozuchi.Core.Customers;
using Kozuchi.Core.Rfm;
using Kozuchi.Core.Tests.Customers;

namespace Kozuchi.Core.Tests.Rfm;

public sealed class RfmGridTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    [Theory]
    [InlineData(0, 1)]
    [InlineData(30, 1)]
    [InlineData(31, 2)]
    [InlineData(90, 2)]
    [InlineData(180, 3)]
    [InlineData(360, 4)]
    [InlineData(361, 5)]
    public void Recency_bands_follow_the_default_grid(int days, int score) =>
        Assert.Equal(score, RfmSettings.Default.RecencyScore(days));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(5, 3)]
    [InlineData(6, 4)]
    [InlineData(10, 4)]
    [InlineData(11, 5)]
    public void Frequency_bands_follow_the_default_grid(int orders, int score) =>
        Assert.Equal(score, RfmSettings.Default.FrequencyScore(orders));

    [Fact]
    public void Bounds_that_do_not_increase_are_rejected() =>
        Assert.Throws<ArgumentException>(() => (RfmSettings.Default with { RecencyBounds = [30, 30, 90, 180] }).Validate());

    [Fact]
    public void Recency_is_counted_in_shop_days_not_utc_days()
    {
        // 2026-03-31 23:30 JST is still March 31 in Tokyo though it is 14:30 UTC on the 31st; the as-of day April 30 is 30 days on.
        var profile = new CustomerProfile { CustomerId = "c", Frequency = 1, Monetary = 1m, LastOrderAt = new DateTimeOffset(2026, 3, 31, 23, 30, 0, TimeSpan.FromHours(9)) };
        Assert.Equal(new RfmCell(1, 1), RfmGrid.Score(profile, new DateOnly(2026, 4, 30), Tokyo, RfmSettings.Default));
        Assert.Equal(new RfmCell(2, 1), RfmGrid.Score(profile, new DateOnly(2026, 5, 1), Tokyo, RfmSettings.Default));
    }

    [Fact]
    public void Grid_has_all_cells_and_sums_customers_and_revenue()
    {
        var asOf = new DateOnly(2026, 6, 30);
        CustomerProfile P(string id, int daysAgo, int f, decimal m) => new()
        {
            CustomerId = id,
            Frequency = f,
            Monetary = m,
            LastOrderAt = new DateTimeOffset(asOf.AddDays(-daysAgo).ToDateTime(new TimeOnly(12, 0)), TimeSpan.FromHours(9)),
        };

        var grid = RfmGrid.Build([P("a", 3, 1, 100m), P("b", 10, 1, 50m), P("c", 400, 12, 9000m), P("d", 100, 4, 700m),
            new CustomerProfile { CustomerId = "merged", State = CustomerState.Merged, Frequency = 3, Monetary = 1m, LastOrderAt = P("x", 1, 1, 1).LastOrderAt }],
            asOf, Tokyo, RfmSettings.Default);

        Assert.Equal(25, grid.Cells.Count);
        Assert.Equal(4, grid.Customers);
        Assert.Equal(9850m, grid.Revenue);
        var newCell = grid.Cells.Single(c => c is { R: 1, F: 1 });
        Assert.Equal((2, 150m, "新規顧客"), (newCell.Customers, newCell.Revenue, newCell.Name.Japanese));
        Assert.Equal(1, grid.Cells.Single(c => c is { R: 5, F: 5 }).Customers);
        Assert.Equal("at_risk_repeat", grid.Cells.Single(c => c is { R: 3, F: 3 }).Name.Code);
    }

    [Fact]
    public void Movement_tracks_customers_between_two_dates()
    {
        var set = new IngestWorkingSet();
        var now = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        CustomerLedger.Apply(set, CustomerLedgerTests.AnOrder("1", email: "a@example.jp", day: 1), now);
        CustomerLedger.Apply(set, CustomerLedgerTests.AnOrder("2", email: "a@example.jp", day: 20), now);
        CustomerLedger.Apply(set, CustomerLedgerTests.AnOrder("3", email: "b@example.jp", day: 2), now);

        var moves = RfmGrid.Movement(set.Customers.Values, new DateOnly(2026, 1, 10), new DateOnly(2026, 3, 1), Tokyo, RfmSettings.Default);

        // a: one order on Jan 10 (R1 F1), two by Mar 1 with the last 40 days before (R2 F2); b: R1 F1 → R2 F1.
        Assert.Contains(new RfmMovement(new RfmCell(1, 1), new RfmCell(2, 2), 1), moves);
        Assert.Contains(new RfmMovement(new RfmCell(1, 1), new RfmCell(2, 1), 1), moves);
        Assert.Equal(2, moves.Sum(m => m.Customers));
    }
}
