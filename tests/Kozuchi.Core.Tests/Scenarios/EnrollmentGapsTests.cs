using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Core.Tests.Scenarios;

/// <summary>Why a customer the trigger reaches would not enter, as the builder's preview and the scenario list explain it.</summary>
public sealed class EnrollmentGapsTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, Enrollment.Jst);

    private static ScenarioDefinition Sends(params Channel[] channels) => Definitions.Linear(
        new SendStep { Id = "s", Channels = channels, Template = "t" });

    [Fact]
    public void A_reachable_customer_enters_and_the_others_are_told_apart_by_cause()
    {
        var email = Sends(Channel.Email);
        Assert.Equal(AudienceReasons.Enters, EnrollmentGaps.Classify(email, Customers.Reachable("c1", line: false), [], Now));
        Assert.Equal(AudienceReasons.NoAddress, EnrollmentGaps.Classify(email, Customers.Reachable("c2", line: true, email: false), [], Now));
        var notOptedIn = Customers.Reachable("c3") with { Reachability = new Reachability { HasEmail = true, EmailOptIn = false } };
        Assert.Equal(AudienceReasons.NoConsent, EnrollmentGaps.Classify(email, notOptedIn, [], Now));
        var unsubscribed = Customers.Reachable("c4") with { Reachability = new Reachability { HasEmail = true, EmailOptIn = true, EmailSuppressed = true } };
        Assert.Equal(AudienceReasons.Unsubscribed, EnrollmentGaps.Classify(email, unsubscribed, [], Now));
        Assert.Equal(AudienceReasons.NotActive, EnrollmentGaps.Classify(email, Customers.Reachable("c5") with { State = CustomerState.Merged }, [], Now));

        // A channel the scenario does not send on does not count: LINE alone reaches no one here.
        Assert.Equal(AudienceReasons.NoAddress, EnrollmentGaps.Classify(Sends(Channel.Postal), Customers.Reachable("c6"), [], Now));
    }

    [Fact]
    public void Earlier_enrollments_block_as_the_reentry_policy_says()
    {
        var definition = Sends(Channel.Email);
        Assert.Equal(AudienceReasons.StillRunning, EnrollmentGaps.Classify(definition with { Policies = new ScenarioPolicies { Reentry = new ReentryPolicy { Mode = ReentryMode.AfterDays, Days = 1 } } },
            Customers.Reachable("c1"), [new PriorEnrollment("e1", Now.AddDays(-3), Completed: false)], Now));
        Assert.Equal(AudienceReasons.AlreadyEnrolled, EnrollmentGaps.Classify(definition, Customers.Reachable("c1"), [new PriorEnrollment("e1", Now.AddDays(-300), Completed: true)], Now));
    }

    [Fact]
    public void The_holdout_of_the_first_split_is_named_for_exactly_the_customers_the_split_assigns_to_it()
    {
        var definition = Definitions.Parse("""
            {"id":"ab","trigger":{"type":"anyOrder"},"steps":[
              {"type":"split","id":"split","arms":[{"name":"a","weight":50,"next":"send"}],"holdout":{"weight":50,"next":"end"}},
              {"type":"send","id":"send","channels":["email"],"template":"t","next":"end"},
              {"type":"exit","id":"end"}]}
            """);
        var split = definition.Steps.OfType<SplitStep>().Single();
        var reasons = Enumerable.Range(0, 200).Select(i => Customers.Reachable($"c{i}"))
            .Select(c => (Held: SplitAssignment.Assign(split, "ab", c.CustomerId) == SplitStep.HoldoutArm, Reason: EnrollmentGaps.Classify(definition, c, [], Now))).ToList();
        Assert.All(reasons, r => Assert.Equal(r.Held ? AudienceReasons.Holdout : AudienceReasons.Enters, r.Reason));
        Assert.InRange(reasons.Count(r => r.Held), 60, 140);
    }
}
