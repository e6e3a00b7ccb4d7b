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
}
