using System.Globalization;
using System.Text;
using Kozuchi.Core.Import;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Demo;

/// <summary>
/// A seeded, pure generator of a Japanese D2C shop's order history, with duplicates and dirty values whose ground
/// truth (which person placed each order) is known. See the Demo section of the project README for the model.
/// </summary>
public static class DemoGenerator
{
    private static readonly TimeSpan Jst = TimeSpan.FromHours(9);

    private const ulong PersonStream = 1;
    private const ulong HouseholdStream = 2;
    private const ulong FamilyStream = 3;
    private const ulong AcquisitionStream = 4;
    private const ulong NumberStream = 5;

    /// <summary>The whole history in memory, with its ground truth.</summary>
    public static DemoData Generate(DemoOptions options)
    {
        var orders = new List<Order>();
        var truth = new Dictionary<OrderKey, string>();
        var people = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (order, person) in StreamWithTruth(options))
        {
            orders.Add(order);
            truth.Add(order.Key, person);
            people.Add(person);
        }

        return new DemoData(orders, truth, DemoCatalogue.Products, people.Count);
    }

    /// <summary>Orders in time order, generated lazily: memory grows with the people still buying, not with orders.</summary>
    public static IEnumerable<Order> Stream(DemoOptions options) => StreamWithTruth(options).Select(o => o.Order);

    public static IEnumerable<DemoOrder> StreamWithTruth(DemoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Iterate(options);
    }

    /// <summary>Writes the history as the Kozuchi order CSV (UTF-8, no BOM), streaming; returns the number of orders.</summary>
    public static int WriteCsv(Stream stream, DemoOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        var count = WriteCsv(writer, options);
        writer.Flush();
        return count;
    }

    public static int WriteCsv(TextWriter writer, DemoOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        OrderCsvWriter.WriteHeader(writer);
        var count = 0;
        foreach (var order in Stream(options))
        {
            OrderCsvWriter.Write(writer, order);
            count++;
        }

        return count;
    }

    private static IEnumerable<DemoOrder> Iterate(DemoOptions options)
    {
        var calendar = new DemoCalendar(options);
        var emails = new HashSet<string>(StringComparer.Ordinal);
        var heap = new PriorityQueue<Person, (long Ticks, int Index)>();
        var next = 0;
        var sequence = 0;
        while (options.MaxOrders is not { } max || sequence < max)
        {
            while (next < options.Customers && (!heap.TryPeek(out _, out var top) || calendar.FirstOrderAt(next).UtcTicks <= top.Ticks))
            {
                var person = Person.Build(options, calendar, next, emails);
                heap.Enqueue(person, (person.Plans.Peek().At.UtcTicks, person.Index));
                next++;
            }

            if (!heap.TryDequeue(out var p, out _))
            {
                yield break;
            }

            var plan = p.Plans.Dequeue();
            sequence++;
            yield return new DemoOrder(p.OrderFor(plan, (100000 + sequence).ToString(CultureInfo.InvariantCulture), calendar), p.PersonId);
            if (p.Plans.Count > 0)
            {
                heap.Enqueue(p, (p.Plans.Peek().At.UtcTicks, p.Index));
            }
        }
    }

    private enum PlanKind
    {
        Trial,
        One,
        Set4,
        Set7,
        AddOnOnly,
        SubscriptionStart,
        SubscriptionDelivery,
    }

    private sealed record Plan(DateTimeOffset At, PlanKind Kind, bool First);

    /// <summary>When orders happen: a growing shop, busier evenings, weekends, November and December.</summary>
    private sealed class DemoCalendar
    {
        private static readonly double[] HourProfile =
            [0.6, 0.35, 0.2, 0.12, 0.1, 0.15, 0.35, 0.6, 0.8, 0.9, 1.0, 1.0, 1.3, 1.1, 1.0, 1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 1.9, 1.8, 1.2];

        private static readonly double[] MonthProfile = [1.1, 0.9, 1.0, 1.0, 1.0, 0.95, 1.05, 0.95, 0.95, 1.0, 1.2, 1.3];

        private readonly double[] cumulative;
        private readonly int seed;
        private readonly int customers;

        public DemoCalendar(DemoOptions options)
        {
            seed = options.Seed;
            customers = options.Customers;
            var lastDay = options.AsOf;
            var firstDay = lastDay.AddDays(-(365 * options.Years) + 1);
            Start = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), Jst);
            End = new DateTimeOffset(lastDay.AddDays(1).ToDateTime(TimeOnly.MinValue), Jst);
            var days = lastDay.DayNumber - firstDay.DayNumber + 1;
            cumulative = new double[days * 24];
            var sum = 0.0;
            for (var d = 0; d < days; d++)
            {
                var date = firstDay.AddDays(d);
                var growth = Math.Exp(Math.Log(3.0) * d / days);
                var weekday = date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1.15 : 1.0;
                var day = growth * weekday * MonthProfile[date.Month - 1];
                for (var h = 0; h < 24; h++)
                {
                    sum += day * HourProfile[h];
                    cumulative[d * 24 + h] = sum;
                }
            }
        }

        public DateTimeOffset Start { get; }

        /// <summary>Midnight after the as-of day: every order is before it.</summary>
        public DateTimeOffset End { get; }

        public static IReadOnlyList<double> HourCumulative { get; } = DemoRandom.Cumulative(HourProfile);

        /// <summary>
        /// Person <paramref name="index"/>'s first order: the ((index + u) / N)-quantile of the acquisition intensity, so
        /// first orders are increasing in the index and the stream can admit people lazily, in order.
        /// </summary>
        public DateTimeOffset FirstOrderAt(int index)
        {
            var u = DemoRandom.Unit(DemoRandom.Mix((ulong)(uint)seed, AcquisitionStream, (ulong)index));
            var target = (index + u) / customers * cumulative[^1];
            var bucket = Array.BinarySearch(cumulative, target);
            bucket = bucket < 0 ? ~bucket : bucket;
            bucket = Math.Min(bucket, cumulative.Length - 1);
            var before = bucket == 0 ? 0 : cumulative[bucket - 1];
            var fraction = Math.Clamp((target - before) / (cumulative[bucket] - before), 0, 0.9999);
            var seconds = (long)(fraction * 3600);
            return Start.AddHours(bucket).AddSeconds(seconds);
        }

        /// <summary>A day <paramref name="days"/> after <paramref name="after"/>'s date, at a time of day people shop.</summary>
        public static DateTimeOffset DayAfter(DateTimeOffset after, int days, DemoRandom rng)
        {
            var hour = rng.Weighted(HourCumulative);
            return new DateTimeOffset(after.Date.AddDays(Math.Max(1, days)), Jst).AddHours(hour).AddSeconds(rng.Next(3600));
        }
    }

    private sealed record Household(string Surname, string SurnameKana, string Romaji, string Prefecture, DemoCity City, string PostalCode, string Address, PhoneNumber Landline, bool HasLandline);

    /// <summary>A phone number as its national parts (trunk 0 included in the first part).</summary>
    private readonly record struct PhoneNumber(string A, string B, string C)
    {
        public string Format(int style) => style switch
        {
            0 => $"{A}-{B}-{C}",
            1 => $"{A}{B}{C}",
            2 => FullWidth($"{A}-{B}-{C}"),
            3 => $"+81 {A[1..]}-{B}-{C}",
            4 => $"+81{A[1..]}{B}{C}",
            5 => $"({A}){B}-{C}",
            6 => $"{A} {B} {C}",

            // Typed in kana mode: the IME gives the long-vowel mark ー instead of a hyphen.
            7 => $"{A}ー{B}ー{C}",

            // Through a spreadsheet: the trunk 0 is lost when the column is read as a number.
            8 => $"{A[1..]}{B}{C}",
            _ => throw new ArgumentOutOfRangeException(nameof(style)),
        };

        public const int Styles = 9;
    }

    private sealed class Person
    {
        private readonly DemoOptions options;
        private readonly DemoRandom rng;
        private string email = string.Empty;
        private string? altEmail;
        private PhoneNumber phone;
        private int phoneStyle;
        private string name = string.Empty;
        private string nameKana = string.Empty;
        private string? cartId;
        private string line = DemoCatalogue.Skincare;
        private Household household = null!;
        private DateOnly? birthday;
        private bool optIn;
        private bool dirty;
        private bool secondAccount;
        private bool secondViaPhone;
        private string medium = string.Empty;

        private Person(DemoOptions options, int index)
        {
            this.options = options;
            Index = index;
            PersonId = "P" + (index + 1).ToString("D7", CultureInfo.InvariantCulture);
            rng = DemoRandom.For(options.Seed, PersonStream, index);
        }

        public int Index { get; }
        public string PersonId { get; }
        public Queue<Plan> Plans { get; } = new();

        public static Person Build(DemoOptions options, DemoCalendar calendar, int index, HashSet<string> emails)
        {
            var p = new Person(options, index);
            p.Describe(emails);
            p.PlanOrders(calendar);
            return p;
        }

        private static bool IsFamily(DemoOptions options, int index) =>
            index > 0 && DemoRandom.Unit(DemoRandom.Mix((ulong)(uint)options.Seed, FamilyStream, (ulong)index)) < options.SharedLandlineShare;

        private void Describe(HashSet<string> emails)
        {
            var head = Index;
            while (IsFamily(options, head))
            {
                head--;
            }

            household = HouseholdOf(options, head);
            var familyMember = head != Index;
            var familyHead = !familyMember && Index + 1 < options.Customers && IsFamily(options, Index + 1);

            var female = rng.Chance(0.82);
            var given = female ? DemoNames.FemaleGiven[rng.Weighted(DemoNames.FemaleWeights)] : DemoNames.MaleGiven[rng.Weighted(DemoNames.MaleWeights)];
            var spacing = rng.NextDouble();
            name = household.Surname + (spacing < 0.6 ? " " : spacing < 0.85 ? "\u3000" : string.Empty) + given.Kanji;
            nameKana = household.SurnameKana + " " + given.Kana;

            var age = Math.Clamp((int)Math.Round(42 + 11 * rng.Normal()), 18, 82);
            var born = options.AsOf.AddYears(-age).AddDays(-rng.Next(365));
            birthday = rng.Chance(0.45) ? born : null;

            email = UniqueEmail(emails, given.Romaji, household.Romaji, born);
            var mobilePrefix = rng.NextDouble() switch { < 0.5 => "090", < 0.9 => "080", _ => "070" };
            // After 090/080/070 the subscriber number does not start with 0.
            var mobile = (10_000_000 + Permuted(options.Seed, 1, Index, 90_000_000)).ToString(CultureInfo.InvariantCulture);
            var usesLandline = familyMember || familyHead || household.HasLandline && rng.Chance(0.5);
            phone = usesLandline ? household.Landline : new PhoneNumber(mobilePrefix, mobile[..4], mobile[4..]);
            phoneStyle = rng.Chance(0.7) ? 0 : 1;

            cartId = rng.Chance(0.75) ? (1_000_000 + Permuted(options.Seed, 2, Index, 9_000_000)).ToString(CultureInfo.InvariantCulture) : null;
            medium = DemoNames.Media[rng.Weighted(DemoNames.MediaWeights)].Medium;
            optIn = rng.Chance(0.55);
            dirty = rng.Chance(options.DirtyShare);
            secondAccount = cartId is not null && rng.Chance(Math.Min(1, options.SecondAccountShare / 0.75));
            secondViaPhone = secondAccount && rng.Chance(0.4);
            altEmail = secondViaPhone ? UniqueEmail(emails, given.Romaji, household.Romaji, born) : null;
            line = rng.Chance(0.7) ? DemoCatalogue.Skincare : DemoCatalogue.Food;
        }

        /// <summary>BG/NBD-like: a purchase rate per person (gamma), a dropout chance after each purchase (beta), plus 定期便 cycles.</summary>
        private void PlanOrders(DemoCalendar calendar)
        {
            var plans = new List<Plan>();
            var first = calendar.FirstOrderAt(Index);
            var firstKind = rng.NextDouble() switch
            {
                < 0.40 => PlanKind.Trial,
                < 0.54 => PlanKind.SubscriptionStart,
                < 0.84 => PlanKind.One,
                < 0.95 => PlanKind.Set4,
                _ => PlanKind.Set7,
            };
            plans.Add(new Plan(first, firstKind, true));
            var subscribed = firstKind == PlanKind.SubscriptionStart;
            if (subscribed)
            {
                Deliveries(plans, first, calendar);
            }

            var perYear = rng.Gamma(0.9, 2.2);
            var dropout = rng.Beta(3.0, 2.2);
            var t = first;
            while (!rng.Chance(dropout))
            {
                var meanDays = 365.0 / Math.Max(perYear, 0.05) * (subscribed ? 2 : 1);
                t = DemoCalendar.DayAfter(t, (int)Math.Round(rng.Exponential(meanDays)), rng);
                if (t >= calendar.End)
                {
                    break;
                }

                var kind = rng.NextDouble() switch
                {
                    < 0.5 => PlanKind.One,
                    < 0.72 => PlanKind.Set4,
                    < 0.82 => PlanKind.Set7,
                    _ => PlanKind.AddOnOnly,
                };
                if (!subscribed && rng.Chance(0.12))
                {
                    kind = PlanKind.SubscriptionStart;
                    subscribed = true;
                    Deliveries(plans, t, calendar);
                }

                plans.Add(new Plan(t, kind, false));
            }

            foreach (var plan in plans.OrderBy(p => p.At).ThenBy(p => p.First ? 0 : 1))
            {
                Plans.Enqueue(plan);
            }
        }

        private void Deliveries(List<Plan> plans, DateTimeOffset start, DemoCalendar calendar)
        {
            var cycle = rng.NextDouble() switch { < 0.7 => 30, < 0.85 => 45, _ => 60 };
            var t = start;
            for (var n = 1; !rng.Chance(n == 1 ? 0.35 : 0.08); n++)
            {
                // Subscription orders are created by the cart's nightly batch.
                t = new DateTimeOffset(t.Date.AddDays(cycle + rng.Between(-1, 1)), Jst).AddHours(4).AddSeconds(rng.Next(7200));
                if (t >= calendar.End)
                {
                    break;
                }

                plans.Add(new Plan(t, PlanKind.SubscriptionDelivery, false));
            }
        }

        public Order OrderFor(Plan plan, string orderId, DemoCalendar calendar)
        {
            var lines = Lines(plan.Kind);
            var isSubscription = plan.Kind is PlanKind.SubscriptionStart or PlanKind.SubscriptionDelivery;
            var total = lines.Sum(l => l.UnitPrice * l.Quantity) + DemoCatalogue.Shipping(lines, isSubscription);

            var status = OrderStatus.Paid;
            var updated = plan.At;
            var refunded = 0m;
            var roll = rng.NextDouble();
            if (plan.At >= calendar.End.AddDays(-1) && rng.Chance(0.25))
            {
                status = OrderStatus.Pending;
            }
            else if (roll < 0.015)
            {
                (status, updated) = (OrderStatus.Cancelled, plan.At.AddHours(rng.Between(1, 30)));
            }
            else if (roll < 0.025)
            {
                (status, updated, refunded) = (OrderStatus.Refunded, plan.At.AddDays(rng.Between(3, 14)), total);
            }
            else if (roll < 0.032 && total > 1000m)
            {
                (status, updated, refunded) = (OrderStatus.PartiallyRefunded, plan.At.AddDays(rng.Between(3, 14)), Math.Round(total * 0.3m, 0));
            }

            if (updated >= calendar.End)
            {
                (status, updated, refunded) = (OrderStatus.Paid, plan.At, 0m);
            }

            // Who the order says it is from. The first order always carries e-mail and phone, so every later order
            // shares at least one strong identifier with it: the ground truth is reachable by exact matching.
            var guest = secondAccount && !plan.First && rng.Chance(0.5);
            var orderEmail = guest && secondViaPhone ? altEmail : email;
            if (!plan.First && !guest && rng.Chance(options.NoEmailOrderShare))
            {
                orderEmail = null;
            }

            var orderPhone = phone.Format(phoneStyle);
            if (!plan.First && orderEmail is not null && !(guest && secondViaPhone) && rng.Chance(0.04))
            {
                orderPhone = null;
            }

            var orderName = name;
            if (dirty && !plan.First)
            {
                orderEmail = orderEmail is null || !rng.Chance(0.5) ? orderEmail : EmailVariant(orderEmail);
                orderPhone = orderPhone is null || !rng.Chance(0.5) ? orderPhone : phone.Format(rng.Next(PhoneNumber.Styles));
                orderName = rng.Chance(0.5) ? NameVariant() : orderName;
            }

            return new Order
            {
                Key = new OrderKey(options.Source, orderId),
                OrderedAt = plan.At,
                UpdatedAt = updated,
                CartCustomerId = guest ? null : cartId,
                Contact = new OrderContact
                {
                    Email = orderEmail,
                    Phone = orderPhone,
                    Name = orderName,
                    NameKana = nameKana,
                    PostalCode = household.PostalCode,
                    Address = household.Address,
                    Birthday = guest ? null : birthday,
                    EmailOptIn = guest ? false : optIn,
                },
                Lines = lines,
                Total = total,
                Status = status,
                RefundedAmount = refunded,
                RefundIds = refunded > 0 ? ["rf-" + orderId] : [],
                IsSubscription = isSubscription,
                AcquisitionMedium = plan.First ? medium : null,
            };
        }

        private List<OrderLine> Lines(PlanKind kind)
        {
            var lines = new List<OrderLine>(2);
            void Add(DemoProduct p, int quantity = 1) =>
                lines.Add(new OrderLine { Sku = p.Sku, ProductName = p.Name, Quantity = quantity, UnitPrice = p.Price });

            switch (kind)
            {
                case PlanKind.Trial:
                    Add(DemoCatalogue.Of(line, DemoProductKind.Trial));
                    break;
                case PlanKind.One:
                    Add(DemoCatalogue.Of(line, DemoProductKind.One), rng.NextDouble() switch { < 0.85 => 1, < 0.97 => 2, _ => 3 });
                    break;
                case PlanKind.Set4:
                    Add(DemoCatalogue.Of(line, DemoProductKind.Set4));
                    break;
                case PlanKind.Set7:
                    Add(DemoCatalogue.Of(line, DemoProductKind.Set7));
                    break;
                case PlanKind.SubscriptionStart:
                    Add(DemoCatalogue.Of(line, DemoProductKind.SubscriptionFirst));
                    break;
                case PlanKind.SubscriptionDelivery:
                    Add(DemoCatalogue.Of(line, DemoProductKind.Subscription), rng.Chance(0.1) ? 2 : 1);
                    break;
                default:
                    Add(rng.Pick(DemoCatalogue.AddOns(line)), rng.Chance(0.8) ? 1 : 2);
                    break;
            }

            // Cross-sell: an add-on now and then, sometimes from the other line.
            if (kind != PlanKind.AddOnOnly && rng.Chance(0.15))
            {
                var other = rng.Chance(0.25) ? (line == DemoCatalogue.Skincare ? DemoCatalogue.Food : DemoCatalogue.Skincare) : line;
                Add(rng.Pick(DemoCatalogue.AddOns(other)));
            }

            return lines;
        }

        private string EmailVariant(string value) => rng.Next(6) switch
        {
            0 => value.ToUpperInvariant(),
            1 => char.ToUpperInvariant(value[0]) + value[1..value.IndexOf('@', StringComparison.Ordinal)] + value[value.IndexOf('@', StringComparison.Ordinal)..].ToUpperInvariant(),
            2 => FullWidth(value),
            3 => " " + value + " ",
            4 => value + "\u3000",
            _ => value.Replace("@", " @ ", StringComparison.Ordinal),
        };

        private string NameVariant()
        {
            var plain = name.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\u3000", string.Empty, StringComparison.Ordinal);
            return rng.Next(5) switch
            {
                0 => plain,
                1 => name.Contains('\u3000', StringComparison.Ordinal) ? name.Replace('\u3000', ' ') : name.Replace(' ', '\u3000'),
                2 => nameKana,
                3 => nameKana.Replace(" ", string.Empty, StringComparison.Ordinal),
                _ => " " + name + " ",
            };
        }

        private string UniqueEmail(HashSet<string> emails, string given, string surname, DateOnly born)
        {
            var yy = (born.Year % 100).ToString("D2", CultureInfo.InvariantCulture);
            var local = rng.Next(7) switch
            {
                0 => $"{given}.{surname}",
                1 => $"{surname}.{given}",
                2 => $"{given}{yy}",
                3 => $"{given[0]}.{surname}{rng.Between(1, 99)}",
                4 => $"{given}_{surname}",
                5 => $"{surname}{given}{rng.Between(100, 999)}",
                _ => $"{given}-{born.Month:D2}{born.Day:D2}",
            };
            var domain = DemoNames.EmailDomains[rng.Weighted(DemoNames.DomainWeights)].Domain;
            var candidate = $"{local}@{domain}";
            while (!emails.Add(candidate))
            {
                candidate = $"{local}{rng.Between(1, 9999)}@{domain}";
            }

            return candidate;
        }

        private static Household HouseholdOf(DemoOptions options, int head)
        {
            var rng = DemoRandom.For(options.Seed, HouseholdStream, head);
            var surname = DemoNames.Surnames[rng.Weighted(DemoNames.SurnameWeights)];
            var prefecture = DemoNames.Prefectures[rng.Weighted(DemoNames.PrefectureWeights)];
            var city = rng.Pick(prefecture.Cities);
            var postal = $"{city.PostalPrefix}-{rng.Next(10000):D4}";
            var address = $"{prefecture.Name}{city.Name}{rng.Pick(DemoNames.Towns)}{rng.Between(1, 5)}丁目{rng.Between(1, 30)}-{rng.Between(1, 20)}";
            if (rng.Chance(0.45))
            {
                address += $" {rng.Pick(DemoNames.BuildingStems)}{rng.Pick(DemoNames.BuildingKinds)} {rng.Between(1, 12)}{rng.Between(1, 12):D2}号室";
            }

            // Fixed-line numbers: area code + local number, 10 digits in all; the local number never starts with 0 or 1.
            var localDigits = 10 - city.AreaCode.Length;
            var firsts = LocalFirstDigits(city.AreaCode);
            var rest = Pow10(localDigits - 1);
            var q = Permuted(options.Seed, 3, head, firsts.Count * rest);
            var local = firsts[(int)(q / rest)] + (q % rest).ToString(new string('0', localDigits - 1), CultureInfo.InvariantCulture);
            var split = localDigits - 4;
            var landline = new PhoneNumber(city.AreaCode, local[..split], local[split..]);
            return new Household(surname.Kanji, surname.Kana, surname.Romaji, prefecture.Name, city, postal, address, landline, rng.Chance(0.3));
        }

        /// <summary>
        /// First digits a local number may start with so that no number in a short area code (079) equals one in a
        /// longer code it prefixes (0798): real numbering plans avoid this the same way.
        /// </summary>
        private static List<string> LocalFirstDigits(string areaCode)
        {
            var taken = AreaCodes.Where(c => c.Length > areaCode.Length && c.StartsWith(areaCode, StringComparison.Ordinal)).Select(c => c[areaCode.Length]).ToHashSet();
            return [.. "23456789".Where(d => !taken.Contains(d)).Select(d => d.ToString())];
        }

        private static readonly string[] AreaCodes = [.. DemoNames.Prefectures.SelectMany(p => p.Cities).Select(c => c.AreaCode).Distinct()];

        /// <summary>A bijection of indices onto [0, range): numbers unique per person without remembering them.</summary>
        private static long Permuted(int seed, ulong purpose, int index, long range)
        {
            var offset = (long)(DemoRandom.Mix((ulong)(uint)seed, NumberStream, purpose) % (ulong)range);
            // The multiplier shares no factor with the ranges used (products of 2, 3, 5), so this is a bijection.
            return (long)((((ulong)index * 2654435761UL) + (ulong)offset) % (ulong)range);
        }

        private static long Pow10(int n)
        {
            var r = 1L;
            for (var i = 0; i < n; i++)
            {
                r *= 10;
            }

            return r;
        }
    }

    private static string FullWidth(string value)
    {
        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = chars[i] switch
            {
                ' ' => '\u3000',
                >= '!' and <= '~' => (char)(chars[i] + 0xFEE0),
                _ => chars[i],
            };
        }

        return new string(chars);
    }
}
