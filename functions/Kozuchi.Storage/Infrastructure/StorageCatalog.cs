namespace Kozuchi.Storage.Infrastructure;

/// <summary>
/// Every table, queue and container the app uses, by logical name. Start-up creates them all if missing, the
/// Bicep declares them, and a test keeps the three in step. A feature adds its names here.
/// </summary>
public static class StorageCatalog
{
    public static class Tables
    {
        /// <summary>Local runtime bookkeeping: timer schedule status and blob receipts.</summary>
        public const string Runtime = "KozuchiRuntime";

        /// <summary>Orders by source and id, hash-bucketed; the full order as received plus its customer.</summary>
        public const string Orders = "KozuchiOrders";

        /// <summary>Normalised strong identifiers (email, phone, cart customer id, LINE user) → customer id.</summary>
        public const string Identities = "KozuchiIdentities";

        /// <summary>The customer aggregate: one row per customer, merged ones pointing at their survivor.</summary>
        public const string Customers = "KozuchiCustomers";

        /// <summary>KPI targets (目標): partition = month (yyyy-MM), row = KPI name.</summary>
        public const string Targets = "KozuchiTargets";

                /// <summary>Send budgets per provider resource and clock-aligned window, shared by every instance.</summary>
        public const string SendBudget = "KozuchiSendBudget";

        /// <summary>Email delivery reports (Event Grid) by send operation and hashed recipient.</summary>
        public const string EmailDeliveries = "KozuchiEmailDeliveries";

        /// <summary>LINE account-link nonces waiting for their accountLink event.</summary>
        public const string LineLinks = "KozuchiLineLinks";

        /// <summary>Outbound call results imported from the call centre.</summary>
        public const string CallResults = "KozuchiCallResults";

        public static IReadOnlyList<string> All { get; } = [Runtime, Orders, Identities, Customers, Targets, SendBudget, EmailDeliveries, LineLinks, CallResults];
    }

    public static class Queues
    {
        /// <summary>Pointers to stored raw payloads (webhook bodies, import chunks) waiting to be ingested.</summary>
        public const string OrdersIncoming = "orders-incoming";

        public static IReadOnlyList<string> All { get; } = [OrdersIncoming];
    }

    public static class Containers
    {
        /// <summary>Write-first landing zone for every inbound payload.</summary>
        public const string Raw = "raw";

        /// <summary>Files dropped for import (CSV); the blob function watches it.</summary>
        public const string Imports = "imports";

        /// <summary>Files produced for people and vendors (DM lists, call lists, segment extracts).</summary>
        public const string Exports = "exports";

        /// <summary>Runtime state that is a blob by nature: timer leases.</summary>
        public const string Runtime = "kozuchi-runtime";

        public static IReadOnlyList<string> All { get; } = [Raw, Imports, Exports, Runtime];
    }
}
