using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Scenarios;

public static partial class ScenarioIds
{
    /// <summary>Scenario ids name storage rows and queue payloads, so they are kept to a safe alphabet.</summary>
    public static bool IsValid(string id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>
    /// The enrollment a trigger occurrence creates: a function of scenario, customer and what triggered it (an order id,
    /// a shop day, a segment event), so a trigger message handled twice finds the enrollment it already created.
    /// </summary>
    public static string Enrollment(string scenarioId, string customerId, string triggerKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{scenarioId}\u001f{customerId}\u001f{triggerKey}"));
        return $"{scenarioId}.{Convert.ToHexStringLower(hash.AsSpan(0, 10))}";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex IdPattern();
}

/// <summary>What the engine knows of a customer's earlier enrollments in a scenario when deciding whether they may enter.</summary>
public sealed record PriorEnrollment(string EnrollmentId, DateTimeOffset EnrolledAt, bool Completed);

public enum EntryVerdict
{
    Enter,

    /// <summary>The same trigger occurrence already created this enrollment (a redelivered message).</summary>
    AlreadyEnrolled,

    /// <summary>An enrollment of the scenario is still running for the customer.</summary>
    StillActive,

    /// <summary>The re-entry policy forbids another run (never, or too soon).</summary>
    ReentryBlocked,

    /// <summary>Merged or erased, or no channel the scenario sends on can reach the customer.</summary>
    Suppressed,
}

/// <summary>The engine's entry rules, pure: re-entry and suppression are decided here so they are tested without storage.</summary>
public static class EnrollmentPolicy
{
    public static EntryVerdict CanEnter(ScenarioDefinition definition, CustomerProfile customer, string enrollmentId, IReadOnlyCollection<PriorEnrollment> prior, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(prior);
        if (prior.Any(p => p.EnrollmentId == enrollmentId))
        {
            return EntryVerdict.AlreadyEnrolled;
        }

        var reentry = Reentry(definition, prior, now);
        if (reentry != EntryVerdict.Enter)
        {
            return reentry;
        }

        return IsSuppressed(definition, customer) ? EntryVerdict.Suppressed : EntryVerdict.Enter;
    }

    /// <summary>
    /// The re-entry rule alone: <see cref="EntryVerdict.StillActive"/>, <see cref="EntryVerdict.ReentryBlocked"/> or
    /// <see cref="EntryVerdict.Enter"/>. The engine asks it again with the enrollment holding the customer's entry
    /// guard, so two starts that both passed <see cref="CanEnter"/> at the same instant cannot both enter.
    /// </summary>
    public static EntryVerdict Reentry(ScenarioDefinition definition, IReadOnlyCollection<PriorEnrollment> prior, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(prior);
        if (prior.Any(p => !p.Completed))
        {
            return EntryVerdict.StillActive;
        }

        if (prior.Count > 0)
        {
            var reentry = definition.Policies.Reentry;
            var last = prior.Max(p => p.EnrolledAt);
            if (reentry.Mode == ReentryMode.Never || now < last.AddDays(reentry.Days))
            {
                return EntryVerdict.ReentryBlocked;
            }
        }

        return EntryVerdict.Enter;
    }

    /// <summary>
    /// A customer is not enrolled when nothing the scenario sends could reach them (unsubscribed, bounced, LINE
    /// unfollowed, do-not-call, erased): checked before any split, so arms and holdout stay comparable.
    /// </summary>
    public static bool IsSuppressed(ScenarioDefinition definition, CustomerProfile customer)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(customer);
        if (customer.State != CustomerState.Active)
        {
            return true;
        }

        var channels = definition.Steps.OfType<SendStep>().SelectMany(s => s.Channels).Distinct().ToList();
        return channels.Count > 0 && !channels.Any(customer.Reachability.CanReach);
    }
}

public enum CapPeriod
{
    Day,

    /// <summary>ISO week (Monday to Sunday) in the shop's time zone.</summary>
    Week,

    Month,
}

/// <summary>
/// The global frequency cap: at most <see cref="Limits"/>[channel] sends per customer and channel in one period, over
/// all scenarios. A channel without a limit (or with 0) is not capped.
/// </summary>
public sealed record FrequencyCap
{
    public CapPeriod Period { get; init; } = CapPeriod.Week;
    public IReadOnlyDictionary<Channel, int> Limits { get; init; } = new Dictionary<Channel, int>();

    public int? Limit(Channel channel) => Limits.TryGetValue(channel, out var limit) && limit > 0 ? limit : null;

    /// <summary>The period <paramref name="at"/> falls in, as a key: 2026-11-25, 2026-W48, 2026-11.</summary>
    public string PeriodKey(DateTimeOffset at, ShopTime shop)
    {
        ArgumentNullException.ThrowIfNull(shop);
        var day = shop.Today(at);
        return Period switch
        {
            CapPeriod.Day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            CapPeriod.Month => day.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            _ => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(day.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(day.ToDateTime(TimeOnly.MinValue)):00}"),
        };
    }
}
