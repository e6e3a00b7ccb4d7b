using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Scenarios;

/// <summary>
/// The first-order step mails preset, as shipped, over 400 simulated days for 120 customers on Azurite: orders through
/// ingest, scenario events routed twice each (at-least-once delivery), time driven by the timer sweep on a fake
/// clock (queue visibility runs on the real clock, so the sweep is what fires timers here), sends read by the
/// recording channel. Each customer's message timeline is compared with one computed by hand from the preset.
/// </summary>
public sealed class ScenarioEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int Customers = 120;
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tokyo = TimeSpan.FromHours(9);

    private EngineHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await EngineHarness.StartAsync(azurite, Start, o => o.SweepGrace = TimeSpan.Zero);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private sealed record Person(int N, DateTimeOffset FirstOrder, bool OptIn, bool Line, DateTimeOffset? SecondOrder)
    {
        public string Email => $"p{N}@example.jp";
        public bool Enrolled => OptIn || Line;
        public bool Converts => SecondOrder is { } s && s - FirstOrder <= TimeSpan.FromDays(45);
    }

    private static List<Person> People() => [.. Enumerable.Range(1, Customers).Select(n =>
    {
        var day = DateOnly.FromDateTime(Start.UtcDateTime).AddDays(1 + (n * 37 % 300));
        var first = new DateTimeOffset(day.ToDateTime(new TimeOnly(8 + (n % 15), n * 7 % 60)), Tokyo);
        DateTimeOffset? second = n % 3 == 0 ? first.AddDays(20) : n % 5 == 0 ? first.AddDays(60) : null;
        return new Person(n, first, OptIn: n % 11 != 0, Line: n % 2 == 0, second);
    })];

    /// <summary>The wait step's rule, restated: the elapsed days, then the first 10:00 in Tokyo at or after it.</summary>
    private static DateTimeOffset AtTen(DateTimeOffset instant)
    {
        var local = instant.ToOffset(Tokyo);
        var ten = new DateTimeOffset(local.Date.AddHours(10), Tokyo);
        return local <= ten ? ten : ten.AddDays(1);
    }

    private static List<(string Template, Channel Channel, DateTimeOffset At)> Expected(Person p)
    {
        if (!p.Enrolled)
        {
            return [];
        }

        var channel = p.Line ? Channel.Line : Channel.Email;
        var thanks = AtTen(p.FirstOrder.AddDays(3));
        var timeline = new List<(string, Channel, DateTimeOffset)> { ("first-order-thanks", channel, thanks), ("usage-tip", channel, thanks.AddDays(11)) };
        var offer = thanks.AddDays(27);
        if (p.OptIn && (p.SecondOrder is null || p.SecondOrder > offer))
        {
            timeline.Add(("f2-offer", Channel.Email, offer));
        }

        return timeline;
    }

    [Fact]
    public async Task First_order_steps_over_400_days_give_each_customer_exactly_the_expected_timeline()
    {
        var ct = TestContext.Current.CancellationToken;
        await _h.InstallAsync(EngineHarness.Preset("first-order-steps.json"));
        var people = People();
        var orders = people.SelectMany(p => new[] { (At: p.FirstOrder, Person: p, First: true) }.Concat(p.SecondOrder is { } s ? [(s, p, false)] : []))
            .OrderBy(o => o.At).ToList();
        var customerIds = new Dictionary<int, string>();
        var end = Start.AddDays(400);
        var next = 0;
        for (var steps = 0; ; steps++)
        {
            Assert.True(steps < 5_000, "The simulation stopped making progress.");
            var due = await _h.NextDueAsync();
            DateTimeOffset? nextOrder = next < orders.Count ? orders[next].At : null;
            var at = (due, nextOrder) switch
            {
                ({ } d, { } o) => d < o ? d : o,
                ({ } d, null) => d,
                (null, { } o) => o,
                _ => (DateTimeOffset?)null,
            };
            if (at is null || at > end)
            {
                break;
            }

            if (at > _h.Time.GetUtcNow())
            {
                _h.Time.SetUtcNow(at.Value);
            }

            while (next < orders.Count && orders[next].At <= _h.Time.GetUtcNow())
            {
                var (orderAt, person, first) = orders[next++];
                var result = await _h.IngestAsync(EngineHarness.NewOrder($"{person.N}-{(first ? 1 : 2)}", person.Email, orderAt, total: first ? 3000m : 4000m, optIn: person.OptIn));
                customerIds[person.N] = result.Orders[0].CustomerId;
                if (first && person.Line)
                {
                    await _h.FollowOnLineAsync(customerIds[person.N]);
                }
            }

            await _h.RouteEventsAsync(times: 2);
            await _h.Wakeups.SweepAsync(ct);
            await _h.DrainSendsAsync();
        }

        Assert.Equal(Customers, customerIds.Count);
        foreach (var person in people)
        {
            var actual = _h.Sends.Where(s => s.CustomerId == customerIds[person.N]).OrderBy(s => s.At).Select(s => (s.Template, s.Channel, s.At)).ToList();
            Assert.True(Expected(person).SequenceEqual(actual), $"customer {person.N}: expected [{string.Join(", ", Expected(person))}], got [{string.Join(", ", actual)}]");
            var enrollments = await _h.Service.EnrollmentsOfAsync(customerIds[person.N], ct);
            if (person.Enrolled)
            {
                Assert.Equal(person.Converts ? ScenarioOutcome.Converted : ScenarioOutcome.Expired, Assert.Single(enrollments).Outcome);
            }
            else
            {
                Assert.Empty(enrollments);
            }
        }

        Assert.Equal(_h.Sends.Count, _h.Sends.Select(s => s.Key).Distinct().Count());
        Assert.Null(await _h.NextDueAsync());
        var results = (await _h.Service.ResultsAsync("first-order-steps", ct))!.Results;
        var enrolled = people.Where(p => p.Enrolled).ToList();
        Assert.Equal((enrolled.Count, enrolled.Count(p => p.Converts), enrolled.Count(p => p.Converts) * 4000m, (long)_h.Sends.Count),
            (results.Entered, results.Converted, results.Revenue, results.Sent));
    }

    /// <summary>
    /// The dormant preset for 80 customers over 400 days, driven by the daily trigger at 09:05 in Tokyo: each enters on
    /// the 90th day after their order, in the arm the split assigns; the coupon arm gets a reminder 5 business days later
    /// (Japanese holidays skipped) at 12:00 unless they came back; the holdout gets nothing; a return within 30 days
    /// converts; and a customer who turns dormant again is not enrolled twice (re-entry never).
    /// </summary>
    [Fact]
    public async Task Dormant_reactivation_over_400_days_gives_each_arm_its_exact_timeline_and_never_reenrolls()
    {
        var ct = TestContext.Current.CancellationToken;
        var definition = await _h.InstallAsync(EngineHarness.Preset("dormant-reactivation.json"));
        var split = definition.Steps.OfType<SplitStep>().Single();
        var people = Enumerable.Range(1, 80).Select(n =>
        {
            var first = new DateTimeOffset(DateOnly.FromDateTime(Start.UtcDateTime).AddDays(n * 3 % 60).ToDateTime(new TimeOnly(13, 0)), Tokyo);
            var entry = new DateTimeOffset(DateOnly.FromDateTime(first.DateTime).AddDays(90).ToDateTime(new TimeOnly(9, 5)), Tokyo);
            var entryDay = DateOnly.FromDateTime(entry.DateTime);
            DateTimeOffset? back = (n % 4) switch
            {
                0 => new DateTimeOffset(entryDay.AddDays(10).ToDateTime(new TimeOnly(15, 0)), Tokyo),
                1 => new DateTimeOffset(entryDay.AddDays(3).ToDateTime(new TimeOnly(15, 0)), Tokyo),
                _ => null,
            };
            return (N: n, First: first, Entry: entry, Back: back);
        }).ToList();
        var orders = people.SelectMany(p => new[] { (At: p.First, P: p, Id: $"{p.N}-1") }.Concat(p.Back is { } b ? [(At: b, P: p, Id: $"{p.N}-2")] : [])).OrderBy(o => o.At).ToList();
        var runs = Enumerable.Range(0, 401).Select(d => Start.AddDays(d).AddMinutes(5)).ToList();
        var ids = new Dictionary<int, string>();
        int nextOrder = 0, nextRun = 0;
        for (var steps = 0; ; steps++)
        {
            Assert.True(steps < 5_000, "The simulation stopped making progress.");
            var candidates = new[] { await _h.NextDueAsync(), nextOrder < orders.Count ? orders[nextOrder].At : null, nextRun < runs.Count ? runs[nextRun] : (DateTimeOffset?)null };
            if (candidates.Where(c => c is not null).Min() is not { } at || at > Start.AddDays(400))
            {
                break;
            }

            if (at > _h.Time.GetUtcNow())
            {
                _h.Time.SetUtcNow(at);
            }

            while (nextOrder < orders.Count && orders[nextOrder].At <= _h.Time.GetUtcNow())
            {
                var (orderAt, p, id) = orders[nextOrder++];
                ids[p.N] = (await _h.IngestAsync(EngineHarness.NewOrder(id, $"d{p.N}@example.jp", orderAt))).Orders[0].CustomerId;
            }

            while (nextRun < runs.Count && runs[nextRun] <= _h.Time.GetUtcNow())
            {
                nextRun++;
                await _h.Triggers.RunDailyAsync(ct);
            }

            await _h.RouteEventsAsync(times: 2);
            await _h.Wakeups.SweepAsync(ct);
            await _h.DrainSendsAsync();
        }

        var arms = new Dictionary<string, int>();
        foreach (var p in people)
        {
            var arm = SplitAssignment.Assign(split, definition.Id, ids[p.N]);
            arms[arm] = arms.GetValueOrDefault(arm) + 1;
            var reminder = new DateTimeOffset(BusinessCalendar.Japan.AddBusinessDays(DateOnly.FromDateTime(p.Entry.DateTime), 5).ToDateTime(new TimeOnly(12, 0)), Tokyo);
            List<(string, DateTimeOffset)> expected = arm switch
            {
                "coupon" when p.Back is { } b && b < reminder => [("winback-coupon", p.Entry)],
                "coupon" => [("winback-coupon", p.Entry), ("winback-coupon-reminder", reminder)],
                "new-arrivals" => [("winback-new-arrivals", p.Entry)],
                _ => [],
            };
            var actual = _h.Sends.Where(s => s.CustomerId == ids[p.N]).OrderBy(s => s.At).Select(s => (s.Template, s.At)).ToList();
            Assert.True(expected.SequenceEqual(actual), $"customer {p.N} ({arm}): expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
            var enrollment = Assert.Single(await _h.Service.EnrollmentsOfAsync(ids[p.N], ct));
            Assert.Equal((arm, p.Back is null ? ScenarioOutcome.Expired : ScenarioOutcome.Converted), (enrollment.HeldOut ? SplitStep.HoldoutArm : enrollment.Arm!, enrollment.Outcome!.Value));
        }

        Assert.Equal(3, arms.Count);
        var results = (await _h.Service.ResultsAsync(definition.Id, ct))!.Results;
        Assert.Equal(arms.OrderBy(a => a.Key, StringComparer.Ordinal), results.Arms.Select(a => KeyValuePair.Create(a.Arm, (int)a.Entered)).OrderBy(a => a.Key, StringComparer.Ordinal));
        Assert.Equal(people.Count(p => p.Back is not null), results.Converted);
    }
}
