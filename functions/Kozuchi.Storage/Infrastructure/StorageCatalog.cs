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

        public static IReadOnlyList<string> All { get; } = [Runtime];
    }

    public static class Queues
    {
        public static IReadOnlyList<string> All { get; } = [];
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
