using System.Security.Cryptography;
using System.Text;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Customers;

/// <summary>Where an order version is stored and which customer holds it.</summary>
public sealed record StoredOrderRef(OrderKey Key, string CustomerId, DateTimeOffset UpdatedAt);

/// <summary>The outcome of applying one order version.</summary>
public enum ApplyOutcome
{
    /// <summary>First time this order is seen.</summary>
    Created,

    /// <summary>A newer version of a known order (paid, refunded, cancelled).</summary>
    Updated,

    /// <summary>This version or a newer one is already applied: a repeated or out-of-order delivery.</summary>
    Unchanged,
}

/// <summary>
/// The rows an ingest batch reads and writes, in memory: storage loads them (<see cref="CustomerLedger.Needs"/>), the ledger
/// decides, storage writes what is dirty. The same code runs against dictionaries in tests.
/// </summary>
public sealed class IngestWorkingSet
{
    public Dictionary<OrderKey, StoredOrderRef> OrdersByKey { get; } = [];
    public Dictionary<IdentityKey, string> Identities { get; } = [];
    public Dictionary<string, CustomerRecord> Customers { get; } = new(StringComparer.Ordinal);

    public DirtySet<OrderKey> DirtyOrders { get; } = [];
    public DirtySet<IdentityKey> DirtyIdentities { get; } = [];
    public DirtySet<string> DirtyCustomers { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Orders whose applied version is the one their customer now holds (it won, or it is the same version, or no row
    /// held the order yet): their order row is written in full. Other dirty order rows only change owner.
    /// </summary>
    public HashSet<OrderKey> Accepted { get; } = [];

    public void ClearDirty()
    {
        DirtyOrders.Clear();
        DirtyIdentities.Clear();
        DirtyCustomers.Clear();
        Accepted.Clear();
    }
}

/// <summary>
/// Identity resolution and the customer aggregate, as pure decisions: an order version in, the customer it
/// belongs to (merging customers that share a strong identifier) and the refolded aggregate out.
/// </summary>
public static class CustomerLedger
{
    /// <summary>The keys storage must load before <see cref="Apply"/> can decide for these orders.</summary>
    public static (IReadOnlySet<OrderKey> Orders, IReadOnlySet<IdentityKey> Identities) Needs(IEnumerable<Order> orders)
    {
        var orderKeys = new HashSet<OrderKey>();
        var identities = new HashSet<IdentityKey>();
        foreach (var o in orders)
        {
            orderKeys.Add(o.Key);
            identities.UnionWith(IdentityKey.From(o));
        }

        return (orderKeys, identities);
    }

    /// <summary>Customer ids are derived from the order that created them, so a re-run after a crash lands on the same id.</summary>
    public static string NewCustomerId(OrderKey createdBy)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(createdBy.ToString()));
        return "c" + Convert.ToHexStringLower(hash.AsSpan(0, 10));
    }

    /// <summary>Follows merge pointers to the surviving customer.</summary>
    public static string Resolve(IngestWorkingSet set, string customerId)
    {
        ArgumentNullException.ThrowIfNull(set);
        var id = customerId;
        for (var hops = 0; hops < 32 && set.Customers.TryGetValue(id, out var c) && c is { State: CustomerState.Merged, MergedInto: { } next }; hops++)
        {
            id = next;
        }

        return id;
    }

    /// <summary>
    /// Whether <paramref name="order"/> is a later version than the one the customer holds (<see cref="OrderVersions"/>).
    /// A summary stored before version stamps were kept is known only by its time, its cancellation and its net: on a
    /// same-time tie the incoming version wins unless it would undo a cancellation or a refund.
    /// </summary>
    private static bool IsLater(Order order, string stamp, OrderSummary previous)
    {
        if (previous.Version is null && previous.UpdatedAt == order.UpdatedAt)
        {
            return (previous.Counts || !order.Counts) && order.NetAmount <= previous.Net;
        }

        return OrderVersions.Compare(order.UpdatedAt, stamp, previous.UpdatedAt, previous.Version) > 0;
    }

    public static ApplyOutcome Apply(IngestWorkingSet set, Order order, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(order);
        var sourced = IdentityKey.Sourced(order);
        var keys = sourced.Select(s => s.Key).ToList();

        // Which customers does this order point at? The customer holding its earlier version, and every owner of its
        // identifiers. An order row whose customer does not hold the order (written first by an attempt that did not
        // finish: ingest inserts a new order's row before its customer) is only a pointer to rewrite, not a link.
        var candidates = new List<string>();
        string? holder = null;
        if (set.OrdersByKey.TryGetValue(order.Key, out var stored) && Resolve(set, stored.CustomerId) is var owned
            && set.Customers.TryGetValue(owned, out var holding) && holding.Find(order.Key) is not null)
        {
            holder = owned;
            candidates.Add(owned);
        }

        // A customer this order created may hold it while its identity and order rows never landed (a crash, or a
        // concurrent writer that won those rows): it is the same person, so it takes part like any other owner.
        var creator = Resolve(set, NewCustomerId(order.Key));
        if (set.Customers.TryGetValue(creator, out var created) && created.State == CustomerState.Active && created.Find(order.Key) is not null)
        {
            candidates.Add(creator);
        }

        var keyOwners = new List<(IdentityKey Key, string Owner)>();
        foreach (var key in keys)
        {
            if (set.Identities.TryGetValue(key, out var owner))
            {
                var resolved = Resolve(set, owner);
                keyOwners.Add((key, resolved));
                candidates.Add(resolved);
            }
        }

        var distinct = candidates.Where(set.Customers.ContainsKey).Distinct(StringComparer.Ordinal).ToList();
        CustomerRecord target;

        // An erased customer keeps its orders anonymously: a later version of one of them (a refund) still counts, but
        // it never merges with anyone and never takes personal data or identifiers again.
        if (distinct.FirstOrDefault(id => set.Customers[id].State == CustomerState.Erased) is { } erasedId)
        {
            target = set.Customers[erasedId];
        }
        else if (distinct.Count == 0)
        {
            var id = NewCustomerId(order.Key);
            target = set.Customers.TryGetValue(id, out var existing) ? existing : new CustomerRecord { CustomerId = id, CreatedAt = now, Currency = order.Currency };
        }
        else
        {
            var records = distinct.Select(id => set.Customers[id]).ToList();
            var separated = records.Any(a => records.Any(b => a.IsSeparatedFrom(b.CustomerId)));

            // The customer who bought first survives, so ids customers already have in scenarios stay put. Among
            // customers the shop has separated, the order goes to the owner of its strongest identifier instead.
            var ordered = separated
                ? [.. records.OrderBy(c => Strength(c.CustomerId, holder, keyOwners)).ThenBy(c => c.CustomerId, StringComparer.Ordinal)]
                : records
                    .OrderBy(c => c.Orders.Count == 0 ? DateTimeOffset.MaxValue : c.Orders.Min(o => o.OrderedAt))
                    .ThenBy(c => c.CustomerId, StringComparer.Ordinal)
                    .ToList();
            target = ordered[0];
            foreach (var loser in ordered.Skip(1))
            {
                if (target.IsSeparatedFrom(loser.CustomerId) || loser.IsSeparatedFrom(target.CustomerId))
                {
                    continue;
                }

                var shared = keyOwners.FirstOrDefault(k => k.Owner == loser.CustomerId).Key;
                if (shared == default)
                {
                    shared = keyOwners.FirstOrDefault(k => k.Owner == target.CustomerId).Key;
                }

                target = Merge(set, target, loser, shared, now, sourced.FirstOrDefault(s => s.Key == shared).Source);
            }
        }

        var stamp = OrderVersions.Stamp(order);
        if (target.State == CustomerState.Erased)
        {
            return ApplyToErased(set, target, order, stamp);
        }

        var previous = target.Find(order.Key);
        var outcome = previous is null ? ApplyOutcome.Created : ApplyOutcome.Updated;
        if (previous is not null && !IsLater(order, stamp, previous))
        {
            outcome = ApplyOutcome.Unchanged;
        }

        var won = outcome != ApplyOutcome.Unchanged;

        if (outcome != ApplyOutcome.Unchanged)
        {
            var isLatest = target.Orders.Where(o => o.Key != order.Key).All(o => o.OrderedAt <= order.OrderedAt);
            target = target with
            {
                Orders = [.. target.Orders.Where(o => o.Key != order.Key), OrderSummary.Of(order, stamp)],
                Contact = isLatest || previous is null ? MergeContact(target.Contact, order.Contact, preferNew: isLatest) : target.Contact,
                EmailOptIn = isLatest && order.Contact.EmailOptIn is { } optIn ? optIn : target.EmailOptIn ?? order.Contact.EmailOptIn,
                AcquisitionMedium = target.AcquisitionMedium ?? order.AcquisitionMedium,
            };
        }

        var identities = target.Identities.Union(keys).ToList();
        if (identities.Count != target.Identities.Count)
        {
            target = target with { Identities = identities };
            outcome = outcome == ApplyOutcome.Unchanged ? ApplyOutcome.Updated : outcome;
        }

        Put(set, target);
        foreach (var key in keys)
        {
            if (!set.Identities.TryGetValue(key, out var owner) || owner != target.CustomerId)
            {
                if (owner is not null && target.IsSeparatedFrom(Resolve(set, owner)))
                {
                    // A shared identifier of separated customers stays where it is.
                    continue;
                }

                set.Identities[key] = target.CustomerId;
                set.DirtyIdentities.Add(key);
            }
        }

        PointOrderRow(set, order, target.CustomerId, won, same: previous?.Version == stamp);
        return outcome;
    }

    /// <summary>
    /// Points the order's row at its customer, and marks the row for a full write when the applied version is the one the
    /// customer holds (it won or is the same version) or no row held the order yet (a crash between the customer and the
    /// order write; the held version's next delivery puts it right).
    /// </summary>
    private static void PointOrderRow(IngestWorkingSet set, Order order, string customerId, bool won, bool same)
    {
        var hasRow = set.OrdersByKey.TryGetValue(order.Key, out var row);
        var accepted = won || same || !hasRow;
        if (accepted)
        {
            set.Accepted.Add(order.Key);
        }

        // A row behind the version its customer holds (a crash between the two writes) is written again by that version's next delivery.
        if (!hasRow || row!.CustomerId != customerId || won || (same && row.UpdatedAt != order.UpdatedAt))
        {
            set.OrdersByKey[order.Key] = accepted ? new StoredOrderRef(order.Key, customerId, order.UpdatedAt) : row! with { CustomerId = customerId };
            set.DirtyOrders.Add(order.Key);
        }
    }

    private static ApplyOutcome ApplyToErased(IngestWorkingSet set, CustomerRecord target, Order order, string stamp)
    {
        var previous = target.Find(order.Key);
        if (previous is not null && !IsLater(order, stamp, previous))
        {
            PointOrderRow(set, order, target.CustomerId, won: false, same: previous.Version == stamp);
            return ApplyOutcome.Unchanged;
        }

        Put(set, target with { Orders = [.. target.Orders.Where(o => o.Key != order.Key), OrderSummary.Of(order, stamp)] });
        PointOrderRow(set, order, target.CustomerId, won: true, same: false);
        return previous is null ? ApplyOutcome.Created : ApplyOutcome.Updated;
    }

    /// <summary>
    /// The customer with every personal value removed (contact, identifiers, LINE user, consents, the identifiers
    /// merges and separations were explained by), its orders kept as anonymous summaries so totals stay right. The
    /// survivor becomes <see cref="CustomerState.Erased"/>; customers merged into it stay merged, emptied too.
    /// </summary>
    public static CustomerRecord Anonymise(CustomerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record with
        {
            State = record.State == CustomerState.Merged ? CustomerState.Merged : CustomerState.Erased,
            Contact = new CustomerContact(),
            Identities = [],
            Merges = [.. record.Merges.Select(m => m with { SharedKey = ErasedKey(m.SharedKey) })],
            Separations = [.. record.Separations.Select(s => s with { SharedKey = ErasedKey(s.SharedKey) })],
            EmailOptIn = null,
            EmailSuppressed = true,
            DoNotCall = true,
            LineUserId = null,
            LineFollowing = false,
            Flags = [.. record.Flags.Where(f => f != CustomerFlags.ErasedIdentifier)],
        };
    }

    /// <summary>What an identifier of an erased person is shown as where another record refers to it.</summary>
    public static IdentityKey ErasedKey(IdentityKey key) => new(key.Kind, "(erased)");

    /// <summary>Lower is stronger: the customer holding the order already, then by the kind of identifier it owns.</summary>
    private static int Strength(string customerId, string? storedOwner, List<(IdentityKey Key, string Owner)> keyOwners)
    {
        if (customerId == storedOwner)
        {
            return 0;
        }

        var owned = keyOwners.Where(k => k.Owner == customerId).Select(k => k.Key.Kind switch
        {
            IdentityKind.CartCustomer => 1,
            IdentityKind.LineUser => 2,
            IdentityKind.Email => 3,
            _ => 4,
        });
        return owned.DefaultIfEmpty(5).Min();
    }

    /// <summary>
    /// Undoes the merge of <paramref name="mergedId"/> into <paramref name="survivorId"/>: the orders that came over go
    /// back, with any later order that carries one of the merged customer's own identifiers (the order that joined the
    /// two usually does), and the merged customer is active again (see <see cref="Split"/>). Returns false when there
    /// is no such merge.
    /// </summary>
    public static bool Unmerge(IngestWorkingSet set, string survivorId, string mergedId, IReadOnlyCollection<Order> survivorOrders, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(survivorOrders);
        if (!set.Customers.TryGetValue(survivorId, out var survivor)
            || !set.Customers.TryGetValue(mergedId, out var merged) || merged.MergedInto != survivorId
            || survivor.Merges.LastOrDefault(m => m.MergedCustomerId == mergedId) is not { } record)
        {
            return false;
        }

        // The survivor's own identifiers are those on its orders that carry none of the merged customer's.
        var survivorOwn = survivorOrders.Select(IdentityKey.From).Where(keys => !keys.Any(merged.Identities.Contains)).SelectMany(k => k).ToHashSet();
        var own = merged.Identities.Where(k => !survivorOwn.Contains(k)).ToHashSet();
        var moved = record.Orders.ToHashSet();
        moved.UnionWith(survivorOrders.Where(o => !moved.Contains(o.Key) && IdentityKey.From(o).Any(own.Contains)).Select(o => o.Key));
        return Split(set, survivorId, moved, survivorOrders, now, mergedId) is not null;
    }

    /// <summary>
    /// Takes <paramref name="moved"/> orders away from a customer they were wrongly attached to (a family sharing a
    /// landline, a shared office e-mail): they become a customer of their own — the one they were merged from, if any,
    /// else a new one with the id the first of them would have created — and the two are recorded as separate people
    /// so later orders never join them again. <paramref name="orders"/> are the customer's orders in full (identifiers
    /// and contact details are rebuilt from them). Returns the other customer's id, or null when the split is not
    /// possible (no order moved, every order moved, an order not the customer's). Orders that arrive later go where
    /// their strongest identifier points.
    /// </summary>
    public static string? Split(IngestWorkingSet set, string customerId, IReadOnlySet<OrderKey> moved, IReadOnlyCollection<Order> orders, DateTimeOffset now, string? intoCustomerId = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(moved);
        ArgumentNullException.ThrowIfNull(orders);
        if (!set.Customers.TryGetValue(customerId, out var survivor) || survivor.State != CustomerState.Active
            || moved.Count == 0 || moved.Count >= survivor.Orders.Count || !moved.All(k => survivor.Find(k) is not null)
            || !survivor.Orders.All(o => orders.Any(full => full.Key == o.Key)))
        {
            return null;
        }

        var movedOrders = orders.Where(o => moved.Contains(o.Key)).OrderBy(o => o.OrderedAt).ThenBy(o => o.Key.ToString(), StringComparer.Ordinal).ToList();
        var keptOrders = orders.Where(o => !moved.Contains(o.Key) && survivor.Find(o.Key) is not null).OrderBy(o => o.OrderedAt).ToList();
        var otherId = intoCustomerId ?? NewCustomerId(movedOrders[0].Key);
        var keptKeys = keptOrders.SelectMany(IdentityKey.From).ToHashSet();
        var movedKeys = movedOrders.SelectMany(IdentityKey.From).ToHashSet();
        var shared = movedKeys.Where(keptKeys.Contains).OrderBy(k => k.Kind).FirstOrDefault();
        if (shared == default)
        {
            shared = movedKeys.OrderBy(k => k.Kind).FirstOrDefault();
        }

        var existing = set.Customers.GetValueOrDefault(otherId);
        if (existing is { State: CustomerState.Active } || (existing is { MergedInto: { } into } && into != customerId))
        {
            return null;
        }

        var other = (existing ?? new CustomerRecord { CustomerId = otherId, CreatedAt = now, Currency = survivor.Currency, AcquisitionMedium = movedOrders[0].AcquisitionMedium }) with
        {
            State = CustomerState.Active,
            MergedInto = null,
            Orders = [.. survivor.Orders.Where(o => moved.Contains(o.Key))],
            Identities = [.. (existing?.Identities ?? []).Union(movedKeys)],
            Contact = ContactOf(movedOrders),
            EmailOptIn = movedOrders.LastOrDefault(o => o.Contact.EmailOptIn is not null)?.Contact.EmailOptIn ?? existing?.EmailOptIn,
            Separations = [.. (existing?.Separations ?? []).Where(x => x.OtherCustomerId != customerId), new Separation(customerId, shared, now)],
        };
        var remaining = survivor with
        {
            Orders = [.. survivor.Orders.Where(o => !moved.Contains(o.Key))],
            Identities = [.. survivor.Identities.Where(k => !movedKeys.Contains(k) || keptKeys.Contains(k))],
            Merges = [.. survivor.Merges.Where(m => m.MergedCustomerId != otherId)],
            Contact = ContactOf(keptOrders),
            Separations = [.. survivor.Separations.Where(x => x.OtherCustomerId != otherId), new Separation(otherId, shared, now)],
        };
        Put(set, remaining);
        Put(set, other);
        foreach (var key in other.Identities.Where(k => !keptKeys.Contains(k)))
        {
            if (!set.Identities.TryGetValue(key, out var owner) || owner != otherId)
            {
                set.Identities[key] = otherId;
                set.DirtyIdentities.Add(key);
            }
        }

        foreach (var key in moved)
        {
            var row = set.OrdersByKey.TryGetValue(key, out var r) ? r : new StoredOrderRef(key, otherId, survivor.Find(key)!.UpdatedAt);
            set.OrdersByKey[key] = row with { CustomerId = otherId };
            set.DirtyOrders.Add(key);
        }

        return otherId;
    }

    private static CustomerContact ContactOf(IEnumerable<Order> ordersOldestFirst)
    {
        var contact = new CustomerContact();
        foreach (var o in ordersOldestFirst)
        {
            contact = MergeContact(contact, o.Contact, preferNew: true);
        }

        return contact;
    }

    /// <summary>
    /// Attaches a strong identifier learned outside an order (a LINE user id from account linking) to a customer. If
    /// another customer already holds it, the two are the same person and merge like any shared identifier; the one
    /// who bought first survives. Returns the surviving customer id, or null if the customer is unknown.
    /// </summary>
    public static string? AttachIdentity(IngestWorkingSet set, string customerId, IdentityKey key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(set);
        var id = Resolve(set, customerId);
        if (!set.Customers.TryGetValue(id, out var target) || target.State != CustomerState.Active)
        {
            return null;
        }

        if (set.Identities.TryGetValue(key, out var owner) && Resolve(set, owner) is var other && other != id && set.Customers.TryGetValue(other, out var holder))
        {
            if (target.IsSeparatedFrom(holder.CustomerId) || holder.IsSeparatedFrom(target.CustomerId))
            {
                // The shop said these are different people, and the one who logged in just proved the account is
                // theirs: the identifier moves over, the two stay apart.
                Put(set, holder with
                {
                    Identities = [.. holder.Identities.Where(k => k != key)],
                    LineUserId = holder.LineUserId == key.Value && key.Kind == IdentityKind.LineUser ? null : holder.LineUserId,
                    LineFollowing = key.Kind == IdentityKind.LineUser && holder.LineUserId == key.Value ? false : holder.LineFollowing,
                });
            }
            else
            {
                var (survivor, loser) = FirstBuyer(target, holder) == target ? (target, holder) : (holder, target);
                target = Merge(set, survivor, loser, key, now, key.Kind == IdentityKind.LineUser ? "LINE account linking" : null);
            }
        }

        target = target with
        {
            Identities = [.. target.Identities.Union([key])],
            LineUserId = key.Kind == IdentityKind.LineUser ? key.Value : target.LineUserId,

            // Linking happens in the chat with the official account, so the user is a friend right now.
            LineFollowing = key.Kind == IdentityKind.LineUser || target.LineFollowing,
        };
        Put(set, target);
        if (!set.Identities.TryGetValue(key, out var current) || current != target.CustomerId)
        {
            set.Identities[key] = target.CustomerId;
            set.DirtyIdentities.Add(key);
        }

        return target.CustomerId;
    }

    private static CustomerRecord FirstBuyer(CustomerRecord a, CustomerRecord b) =>
        new[] { a, b }.OrderBy(c => c.Orders.Count == 0 ? DateTimeOffset.MaxValue : c.Orders.Min(o => o.OrderedAt)).ThenBy(c => c.CustomerId, StringComparer.Ordinal).First();

    private static CustomerRecord Merge(IngestWorkingSet set, CustomerRecord survivor, CustomerRecord loser, IdentityKey shared, DateTimeOffset now, string? source = null)
    {
        var moved = loser.Orders.Select(o => o.Key).ToList();
        var merged = survivor with
        {
            Orders = [.. survivor.Orders.Where(o => !moved.Contains(o.Key)), .. loser.Orders],
            Identities = [.. survivor.Identities.Union(loser.Identities)],
            Merges = [.. survivor.Merges, new MergeRecord(loser.CustomerId, shared, now, moved, source)],
            Contact = MergeContact(survivor.Contact, loser.Contact, preferNew: false),
            EmailOptIn = survivor.EmailOptIn ?? loser.EmailOptIn,
            EmailSuppressed = survivor.EmailSuppressed || loser.EmailSuppressed,
            DoNotCall = survivor.DoNotCall || loser.DoNotCall,
            LineUserId = survivor.LineUserId ?? loser.LineUserId,
            LineFollowing = survivor.LineFollowing || loser.LineFollowing,
            LineEventAt = survivor.LineEventAt > loser.LineEventAt ? survivor.LineEventAt : loser.LineEventAt ?? survivor.LineEventAt,
            AcquisitionMedium = survivor.AcquisitionMedium ?? loser.AcquisitionMedium,
        };
        Put(set, loser with { State = CustomerState.Merged, MergedInto = survivor.CustomerId, Orders = [] });
        foreach (var key in loser.Identities)
        {
            set.Identities[key] = survivor.CustomerId;
            set.DirtyIdentities.Add(key);
        }

        foreach (var key in moved)
        {
            if (set.OrdersByKey.TryGetValue(key, out var r))
            {
                set.OrdersByKey[key] = r with { CustomerId = survivor.CustomerId };
                set.DirtyOrders.Add(key);
            }
        }

        return merged;
    }

    private static void Put(IngestWorkingSet set, CustomerRecord record)
    {
        set.Customers[record.CustomerId] = record;
        set.DirtyCustomers.Add(record.CustomerId);
    }

    /// <summary>
    /// The order's contact as the customer keeps it, normalised. The e-mail and phone are the contact ones, else the
    /// first valid one the order carried elsewhere (a Shopify customer without a phone keeps the order's or the billing
    /// address's); a phone is read in the address's country.
    /// </summary>
    internal static CustomerContact ContactOf(OrderContact incoming)
    {
        var country = IdentityNormalizer.Country(incoming.Country);
        string? First(IdentityKind kind, string? primary, Func<string?, string?> normalize) =>
            normalize(primary) ?? (incoming.Identifiers ?? []).Where(i => i.Kind == kind).Select(i => normalize(i.Value)).FirstOrDefault(v => v is not null);
        return new CustomerContact
        {
            Email = First(IdentityKind.Email, incoming.Email, IdentityNormalizer.Email),
            Phone = First(IdentityKind.Phone, incoming.Phone, v => IdentityNormalizer.Phone(v, country)),
            Name = TextOrNull(incoming.Name),
            NameKana = TextOrNull(incoming.NameKana),
            PostalCode = IdentityNormalizer.PostalCode(incoming.PostalCode, country),
            Address = TextOrNull(incoming.Address),
            Country = country,
            Region = country is null or "JP" ? IdentityNormalizer.Prefecture(incoming.Region) ?? TextOrNull(incoming.Region) : TextOrNull(incoming.Region),
            City = TextOrNull(incoming.City),
            AddressLine1 = TextOrNull(incoming.AddressLine1),
            AddressLine2 = TextOrNull(incoming.AddressLine2),
            AddressName = TextOrNull(incoming.AddressName),
            Birthday = incoming.Birthday,
        };
    }

    private static string? TextOrNull(string? value) => string.IsNullOrWhiteSpace(value) ? null : IdentityNormalizer.Text(value);

    private static CustomerContact MergeContact(CustomerContact current, OrderContact incoming, bool preferNew) =>
        MergeContact(current, ContactOf(incoming), preferNew);

    /// <summary>Field by field the preferred side wins where it has a value; the address goes as one group from one side.</summary>
    private static CustomerContact MergeContact(CustomerContact current, CustomerContact other, bool preferNew)
    {
        var (first, second) = preferNew ? (other, current) : (current, other);
        var address = HasAddress(first) ? first : second;
        return new CustomerContact
        {
            Email = first.Email ?? second.Email,
            Phone = first.Phone ?? second.Phone,
            Name = first.Name ?? second.Name,
            NameKana = first.NameKana ?? second.NameKana,
            PostalCode = address.PostalCode,
            Address = address.Address,
            Country = address.Country,
            Region = address.Region,
            City = address.City,
            AddressLine1 = address.AddressLine1,
            AddressLine2 = address.AddressLine2,
            AddressName = address.AddressName,
            Birthday = first.Birthday ?? second.Birthday,
        };
    }

    private static bool HasAddress(CustomerContact c) => c.PostalCode is not null || c.Address is not null || c.AddressLine1 is not null || c.City is not null;
}
