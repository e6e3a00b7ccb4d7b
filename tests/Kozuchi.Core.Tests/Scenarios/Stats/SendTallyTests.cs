using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Core.Scenarios.Stats;

namespace Kozuchi.Core.Tests.Scenarios.Stats;

/// <summary>Results never count a failure as sent: every send is counted by its fate, and only accepted sends make recipients, cost and uplift.</summary>
public sealed class SendTallyTests
{
    private static EnrollmentOutcome Enrollment(string arm, bool converted, decimal revenue, params SendOutcome[] sends)
    {
        var tally = SendTally.Of(sends);
        return new EnrollmentOutcome(arm, false, (int)tally.Accepted, converted, revenue, tally.SentByChannel.Sum(c => c.Value * 10m)) { Tally = tally };
    }

    [Fact]
    public void Each_send_is_counted_once_by_its_fate_and_suppressions_by_their_category()
    {
        var tally = SendTally.Of(
            [
                new SendOutcome(Channel.Email, SendFate.Sent, "op-1", Delivered: true),
                new SendOutcome(Channel.Line, SendFate.Sent, "key"),
                new SendOutcome(Channel.Email, SendFate.Sandbox, "outbox/x"),
                new SendOutcome(Channel.Email, SendFate.Failed, "InvalidRecipient"),
                new SendOutcome(Channel.Line, SendFate.Failed, "line-provider-not-configured"),
                new SendOutcome(Channel.Email, SendFate.Suppressed, "unsubscribed"),
                new SendOutcome(Channel.Line, SendFate.Suppressed, "line-not-following"),
                new SendOutcome(Channel.Email, SendFate.Suppressed, "no-consent"),
                new SendOutcome(Channel.Email, SendFate.Suppressed, "no-email"),
                new SendOutcome(Channel.Email, SendFate.Pending),
            ],
            frequencyCapped: 2, unreachable: 1, quietHoursDeferred: 3);

        Assert.Equal((2, 1, 1, 2, 1, 3), (tally.Sent, tally.Delivered, tally.Sandbox, tally.Failed, tally.Pending, tally.QuietHoursDeferred));
        Assert.Equal(new Dictionary<string, long> { ["unsubscribed"] = 2, ["no-consent"] = 1, ["no-address"] = 1, ["frequency-cap"] = 2, ["unreachable"] = 1 }, tally.Suppressed);
        Assert.Equal(7, tally.SuppressedTotal);
        Assert.Equal(new Dictionary<string, long> { ["InvalidRecipient"] = 1, ["line-provider-not-configured"] = 1 }, tally.FailedReasons);
        Assert.Equal(new Dictionary<Channel, long> { [Channel.Email] = 1, [Channel.Line] = 1 }, tally.SentByChannel);
        Assert.Equal(3, tally.Accepted);
    }

    [Fact]
    public void A_failed_send_makes_no_recipient_no_sent_and_no_cost_and_sandbox_sends_are_apart_from_sent()
    {
        var results = ScenarioResults.Compute(
        [
            Enrollment("a", converted: false, 0m, new SendOutcome(Channel.Email, SendFate.Failed, "acs-error")),
            Enrollment("a", converted: true, 3000m, new SendOutcome(Channel.Email, SendFate.Sent)),
            Enrollment("a", converted: false, 0m, new SendOutcome(Channel.Email, SendFate.Sandbox)),
        ]);

        var arm = Assert.Single(results.Arms);
        Assert.Equal((3L, 2L, 1L), (arm.Entered, arm.Recipients, arm.Sent));
        Assert.Equal((1L, 1L, 0L), (arm.Tally.Sandbox, arm.Tally.Failed, arm.Tally.Pending));
        Assert.Equal(10m, arm.Cost);
        Assert.Equal(1.0 / 3, arm.ConversionRate, 9);
        Assert.Equal(0.5, arm.RecipientConversionRate, 9);
        Assert.Equal((1L, 1L, 1L, 10m), (results.Sent, results.Tally.Sandbox, results.Tally.Failed, results.Cost));
    }

    [Fact]
    public void Uplift_compares_the_recipients_with_the_holdout_and_an_arm_whose_sends_all_failed_treats_nobody()
    {
        // Arm "ok": 100 recipients, 20 converted. Arm "broken": every send failed. Holdout: 100, 10 converted.
        var rows = Enumerable.Range(0, 100).Select(i => Enrollment("ok", i < 20, i < 20 ? 1000m : 0m, new SendOutcome(Channel.Email, SendFate.Sent)))
            .Concat(Enumerable.Range(0, 100).Select(i => Enrollment("broken", i < 10, i < 10 ? 1000m : 0m, new SendOutcome(Channel.Email, SendFate.Failed, "acs-not-configured"))))
            .Concat(Enumerable.Range(0, 100).Select(i => new EnrollmentOutcome(SplitStep.HoldoutArm, true, 0, i < 10, i < 10 ? 1000m : 0m)))
            .ToList();

        var results = ScenarioResults.Compute(rows, ["ok", "broken"]);

        Assert.DoesNotContain(results.Uplift, u => u.Treatment == "broken");
        var all = results.Uplift.Single(u => u.Treatment == "all arms");
        Assert.Equal(0.20, all.Uplift.TreatmentRate, 9);
        Assert.Equal(1000m, all.Cost);
        Assert.Equal(0, results.Arms.Single(a => a.Arm == "broken").Recipients);
        Assert.Equal(0m, results.Arms.Single(a => a.Arm == "broken").Cost);
    }

    [Theory]
    [InlineData("unsubscribed", SendSuppression.Unsubscribed)]
    [InlineData("line-not-following", SendSuppression.Unsubscribed)]
    [InlineData("do-not-call", SendSuppression.Unsubscribed)]
    [InlineData("no-consent", SendSuppression.NoConsent)]
    [InlineData("email-suppressed", SendSuppression.NoAddress)]
    [InlineData("line-not-linked", SendSuppression.NoAddress)]
    [InlineData("no-postal-address", SendSuppression.NoAddress)]
    [InlineData("frequency-cap", SendSuppression.FrequencyCap)]
    [InlineData("no-customer", SendSuppression.Other)]
    public void Suppression_reasons_fall_in_the_categories_results_show(string reason, string category) =>
        Assert.Equal(category, SendSuppression.Category(reason));
}
