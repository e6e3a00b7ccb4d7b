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

        /// <summary>Scenario definitions by id and version (immutable once stored) and one status row per scenario.</summary>
        public const string Scenarios = "KozuchiScenarios";

        /// <summary>Enrollment state (decider JSON + outbox), one partition per customer, ETag on every write.</summary>
        public const string Enrollments = "KozuchiEnrollments";

        /// <summary>Every send the engine decided, keyed by idempotency key, written before the send is queued.</summary>
        public const string SendLedger = "KozuchiSendLedger";

        /// <summary>Due timers and unfinished outboxes by hour bucket: what the sweep recovers when a wake-up is lost.</summary>
        public const string ScenarioTimers = "KozuchiScenarioTimers";

        /// <summary>Sends per customer, channel and period, for the global frequency cap.</summary>
        public const string SendCounters = "KozuchiSendCounters";

        /// <summary>Segment definitions and the last evaluated membership (for segment.enter / segment.exit).</summary>
        public const string Segments = "KozuchiSegments";

        /// <summary>Identifiers of erased customers as salted hashes (never in clear): ingest flags an order that carries one.</summary>
        public const string ErasedIdentifiers = "KozuchiErasedIdentifiers";

        /// <summary>Audit of erasures and data requests: who, when, what was counted; no personal data.</summary>
        public const string Erasures = "KozuchiErasures";

        /// <summary>Cart pulls: one high-water mark per configured source (the newest change pulled).</summary>
        public const string PullMarks = "KozuchiPullMarks";

        /// <summary>Cart pulls: the access and refresh tokens a refresh issued, per source (the configured ones are spent by then).</summary>
        public const string PullTokens = "KozuchiPullTokens";

        /// <summary>Checkouts (abandoned-cart candidates) with their personal data in one column, a per-customer index for erasure, and the abandonment checks due.</summary>
        public const string Checkouts = "KozuchiCheckouts";

        /// <summary>Message templates (email, LINE) as data, current revision and history, editable through the API.</summary>
        public const string Templates = "KozuchiTemplates";

        /// <summary>Postal DM and call recipients the send-dm / send-call consumers added, one list per channel and shop day.</summary>
        public const string SendLists = "KozuchiSendLists";

        /// <summary>Which blobs of raw, imports and exports hold which order or customer (erasure reads only those).</summary>
        public const string BlobIndex = "KozuchiBlobIndex";

        /// <summary>Queued erasures (Shopify shop/redact, large erasures): status and progress, no personal data.</summary>
        public const string ErasureJobs = "KozuchiErasureJobs";

        /// <summary>Operator sign-in sessions (Key mode) by random id: signing out deletes the row, so a copied cookie stops working.</summary>
        public const string Sessions = "KozuchiSessions";

        /// <summary>
        /// Customer search: normalised name and kana prefixes → customer (partition = the token's first character), and
        /// the order sources seen (for an order id searched without its source). Personal data: erased with the customer.
        /// </summary>
        public const string CustomerSearch = "KozuchiCustomerSearch";

        /// <summary>What operators read on 取込・エラー: every import run and webhook day, and why queue messages failed.</summary>
        public const string Operations = "KozuchiOperations";

        public static IReadOnlyList<string> All { get; } = [Runtime, Orders, Identities, Customers, Targets, SendBudget, EmailDeliveries, LineLinks, CallResults, Scenarios, Enrollments, SendLedger, ScenarioTimers, SendCounters, Segments, Checkouts, Templates, SendLists, PullMarks, PullTokens, ErasedIdentifiers, Erasures, BlobIndex, ErasureJobs, Sessions, CustomerSearch, Operations];
    }

    public static class Queues
    {
        /// <summary>Pointers to stored raw payloads (webhook bodies, import chunks) waiting to be ingested.</summary>
        public const string OrdersIncoming = "orders-incoming";

        /// <summary>Scenario events from ingest and the daily triggers (orders, cancellations, enrolments to start), batched.</summary>
        public const string ScenarioEvents = "scenario-events";

        /// <summary>Enrollment wake-ups as delayed messages (at most 7 days ahead; re-queued with the remainder).</summary>
        public const string ScenarioWakeups = "scenario-wakeups";

        /// <summary>Outgoing sends per channel, many recipients per message (<c>SendBatchMessage</c>).</summary>
        public const string SendEmail = "send-email";

        public const string SendLine = "send-line";

        /// <summary>Postal direct mail: recipients for the DM list.</summary>
        public const string SendDm = "send-dm";

        /// <summary>Outbound calls: recipients for the call list.</summary>
        public const string SendCall = "send-call";

        /// <summary>Pointers to stored checkout webhook bodies waiting to be stored and scheduled.</summary>
        public const string CheckoutsIncoming = "checkouts-incoming";

        /// <summary>Abandonment checks as delayed messages, one per checkout and cartAbandoned scenario.</summary>
        public const string CheckoutTimers = "checkout-timers";

        /// <summary>Queued erasures: one message per job (<c>ErasureJobs</c> table), run by <c>RunErasureJob</c>.</summary>
        public const string ErasureJobs = "erasure-jobs";

        public static IReadOnlyList<string> All { get; } = [OrdersIncoming, ScenarioEvents, ScenarioWakeups, SendEmail, SendLine, SendDm, SendCall, CheckoutsIncoming, CheckoutTimers, ErasureJobs];
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

        /// <summary>Data-request exports: what is held about one customer, as JSON, for the shop to hand over.</summary>
        public const string DataRequests = "data-requests";

        /// <summary>Parquet snapshots of customers and orders without personal data, for free SQL and analysts' tools.</summary>
        public const string Snapshots = "snapshots";

        /// <summary>Send batches too large for a queue message (up to 500 recipients), while their pointer message is not done.</summary>
        public const string SendBatches = "sendbatches";

        /// <summary>
        /// The sandbox providers' outbox: every email and LINE message rendered exactly as it would have been sent, with
        /// its ledger key, for the shop to look at (送信プレビュー) instead of sending it.
        /// </summary>
        public const string Outbox = "outbox";

        public static IReadOnlyList<string> All { get; } = [Raw, Imports, Exports, Runtime, Snapshots, DataRequests, SendBatches, Outbox];
    }
}
