using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Scenarios.Stats;

namespace Kozuchi.Core.Tests.Scenarios;

public sealed class EnrollmentPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, Enrollment.Jst);

    private static ScenarioDefinition Definition(ReentryPolicy? reentry = null, params Channel[] channels) => Definitions.Linear(
        new SendStep { Id = "s", Channels = channels.Length == 0 ? [Channel.Email] : channels, Template = "t" }) with
    {
        Policies = new ScenarioPolicies { Reentry = reentry ?? ReentryPolicy.Never },
    };

    [Fact]
    public void A_new_reachable_customer_enters()
    {
        Assert.Equal(EntryVerdict.Enter, EnrollmentPolicy.CanEnter(Definition(), Customers.Reachable("c1"), "e1", [], Now));
    }

    [Fact]
    public void The_same_trigger_twice_is_recognised_and_a_running_enrollment_blocks_another()
    {
        var running = new PriorEnrollment("e1", Now.AddDays(-1), Completed: false);
        Assert.Equal(EntryVerdict.AlreadyEnrolled, EnrollmentPolicy.CanEnter(Definition(), Customers.Reachable("c1"), "e1", [running], Now));
        Assert.Equal(EntryVerdict.StillActive, EnrollmentPolicy.CanEnter(Definition(new ReentryPolicy { Mode = ReentryMode.AfterDays, Days = 1 }), Customers.Reachable("c1"), "e2", [running], Now));
    }

    [Theory]
    [InlineData(29, EntryVerdict.ReentryBlocked)]
    [InlineData(30, EntryVerdict.Enter)]
    public void Reentry_after_days_counts_from_the_previous_start(int daysAgo, EntryVerdict expected)
    {
        var ended = new PriorEnrollment("e1", Now.AddDays(-daysAgo), Completed: true);
        Assert.Equal(expected, EnrollmentPolicy.CanEnter(Definition(new ReentryPolicy { Mode = ReentryMode.AfterDays, Days = 30 }), Customers.Reachable("c1"), "e2", [ended], Now));
        Assert.Equal(EntryVerdict.ReentryBlocked, EnrollmentPolicy.CanEnter(Definition(), Customers.Reachable("c1"), "e2", [ended with { EnrolledAt = Now.AddYears(-5) }], Now));
    }

    [Theory]
    [InlineData(false, 40, EntryVerdict.StillActive)]
    [InlineData(true, 29, EntryVerdict.ReentryBlocked)]
    [InlineData(true, 30, EntryVerdict.Enter)]
    public void The_reentry_rule_alone_decides_whether_the_entry_guard_may_pass_from_its_holder(bool holderCompleted, int daysAgo, EntryVerdict expected)
    {
        var holder = new PriorEnrollment("e1", Now.AddDays(-daysAgo), holderCompleted);
        Assert.Equal(expected, EnrollmentPolicy.Reentry(Definition(new ReentryPolicy { Mode = ReentryMode.AfterDays, Days = 30 }), [holder], Now));
        Assert.Equal(holderCompleted ? EntryVerdict.ReentryBlocked : EntryVerdict.StillActive, EnrollmentPolicy.Reentry(Definition(), [holder], Now));
        Assert.Equal(EntryVerdict.Enter, EnrollmentPolicy.Reentry(Definition(), [], Now));
    }

    [Fact]
    public void Customers_nothing_can_reach_or_who_are_erased_are_suppressed()
    {
        var lineOnly = Customers.Reachable("c1", line: true, email: false);
        Assert.Equal(EntryVerdict.Suppressed, EnrollmentPolicy.CanEnter(Definition(null, Channel.Email), lineOnly, "e1", [], Now));
        Assert.Equal(EntryVerdict.Enter, EnrollmentPolicy.CanEnter(Definition(null, Channel.Email, Channel.Line), lineOnly, "e1", [], Now));
        Assert.Equal(EntryVerdict.Suppressed, EnrollmentPolicy.CanEnter(Definition(), Customers.Reachable("c1") with { State = CustomerState.Erased }, "e1", [], Now));
        var unsubscribed = Customers.Reachable("c1", line: false) with { Reachability = new Reachability { HasEmail = true, EmailOptIn = true, EmailSuppressed = true } };
        Assert.True(EnrollmentPolicy.IsSuppressed(Definition(), unsubscribed));
    }

    [Fact]
    public void Enrollment_ids_are_stable_per_trigger_and_distinct_across_customers_and_triggers()
    {
        var id = ScenarioIds.Enrollment("first-order-steps", "c1", "order:shop:1001");
        Assert.Equal(id, ScenarioIds.Enrollment("first-order-steps", "c1", "order:shop:1001"));
        Assert.NotEqual(id, ScenarioIds.Enrollment("first-order-steps", "c2", "order:shop:1001"));
        Assert.NotEqual(id, ScenarioIds.Enrollment("first-order-steps", "c1", "order:shop:1002"));
        Assert.StartsWith("first-order-steps.", id, StringComparison.Ordinal);
        Assert.DoesNotContain(':', id);
    }

    [Theory]
    [InlineData(CapPeriod.Day, "2026-12-31T23:30:00+09:00", "2026-12-31")]
    [InlineData(CapPeriod.Day, "2026-12-31T15:30:00+00:00", "2027-01-01")]
    [InlineData(CapPeriod.Week, "2027-01-01T12:00:00+09:00", "2026-W53")]
    [InlineData(CapPeriod.Week, "2026-03-02T12:00:00+09:00", "2026-W10")]
    [InlineData(CapPeriod.Month, "2026-03-31T15:00:00+00:00", "2026-04")]
    public void Cap_periods_are_shop_days_iso_weeks_and_months(CapPeriod period, string at, string key)
    {
        var cap = new FrequencyCap { Period = period };
        Assert.Equal(key, cap.PeriodKey(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), ShopTime.Tokyo));
    }

    [Fact]
    public void Reentry_policy_is_validated_at_its_node()
    {
        var (_, errors) = ScenarioJson.Parse("""
            {"id":"s","trigger":{"type":"anyOrder"},"policies":{"reentry":{"mode":"afterDays"}},"steps":[{"type":"exit","id":"x"}]}
            """);
        var error = Assert.Single(errors);
        Assert.Equal(("policies", "reentry.days"), (error.NodeId, error.Field));
        Assert.Equal("id", Assert.Single(ScenarioJson.Parse("""{"id":"Bad Id","trigger":{"type":"anyOrder"},"steps":[{"type":"exit","id":"x"}]}""").Errors).Field);
    }
}

public sealed class ScenarioResultsTests
{
    private static IEnumerable<EnrollmentOutcome> Arm(string arm, int n, int converted, decimal revenueEach, bool holdout = false) =>
        Enumerable.Range(0, n).Select(i => new EnrollmentOutcome(holdout ? SplitStep.HoldoutArm : arm, holdout, holdout ? 0 : 1, i < converted, i < converted ? revenueEach : 0));

    [Fact]
    public void Arms_are_counted_and_compared_with_the_first_arm_and_the_holdout()
    {
        var rows = Arm("coupon", 1000, 200, 5000m).Concat(Arm("new-arrivals", 1000, 150, 5000m)).Concat(Arm("", 200, 20, 5000m, holdout: true));

        var results = ScenarioResults.Compute(rows, ["coupon", "new-arrivals"]);

        Assert.Equal(["coupon", "new-arrivals", "holdout"], results.Arms.Select(a => a.Arm));
        var coupon = results.Arms[0];
        Assert.Equal((1000L, 1000L, 1000L, 200L, 0.2, 1_000_000m, 1000.0), (coupon.Entered, coupon.Recipients, coupon.Sent, coupon.Converted, coupon.ConversionRate, coupon.Revenue, coupon.RevenuePerCustomer));
        Assert.Null(coupon.VersusControl);

        // The hand-worked example of docs/SCENARIOS.md, from the other side: 150/1000 vs 200/1000 gives z = −2.942.
        var versus = results.Arms[1].VersusControl!;
        Assert.Equal("coupon", versus.Control);
        Assert.Equal(-2.942, versus.Conversion.Statistic, 0.001);
        Assert.Equal(0.00326, versus.Conversion.PValue, 0.00001);
        Assert.True(versus.RevenuePerCustomer!.Estimate < 0);

        var holdout = results.Arms[2];
        Assert.Equal((200L, 0L, 0L, 0.0), (holdout.Entered, holdout.Recipients, holdout.Sent, holdout.RevenuePerRecipient));
        var pooled = results.Uplift[0];
        Assert.Equal("all arms", pooled.Treatment);
        Assert.Equal(0.175 - 0.1, pooled.Uplift.ConversionUplift.Estimate, 1e-12);
        Assert.Equal(0.075 * 2000, pooled.Uplift.IncrementalConversions, 1e-9);
        Assert.Equal(["all arms", "coupon", "new-arrivals"], results.Uplift.Select(u => u.Treatment));
    }

    [Fact]
    public void A_scenario_without_split_reports_one_group_and_no_uplift()
    {
        var results = ScenarioResults.Compute([new EnrollmentOutcome(null, false, 2, true, 1200m), new EnrollmentOutcome(null, false, 0, false, 0m)]);

        var all = Assert.Single(results.Arms);
        Assert.Equal((ScenarioResults.NoSplit, 2L, 1L, 2L, 0.5, 600.0, 1200.0), (all.Arm, all.Entered, all.Recipients, all.Sent, all.ConversionRate, all.RevenuePerCustomer, all.RevenuePerRecipient));
        Assert.Empty(results.Uplift);
    }
}
