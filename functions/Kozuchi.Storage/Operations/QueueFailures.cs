using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Operations;

/// <summary>Why a queue message failed the last time it was tried, as the host saw it.</summary>
public sealed record QueueFailure(string Queue, string Error, string Message, long Attempts, DateTimeOffset At);

/// <summary>
/// The last failure of each queue message, so the poison queue can say why a message is there: the host moves the
/// message's body, nothing else, to <c>&lt;queue&gt;-poison</c>. Kept in table <c>KozuchiOperations</c>, partition
/// <c>fail-{queue}</c>, keyed by the hash of the body (the poison copy has a new message id but the same body).
/// Both hosts record here: the local runtime's queue listener and the worker's middleware.
/// </summary>
public sealed partial class QueueFailures(StorageClients clients, TimeProvider time)
{
    private const int MaxMessage = 600;
    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Operations);

    public async Task RecordAsync(string logicalQueue, string body, Exception exception, long attempts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var inner = exception;
        while (inner.InnerException is not null && (inner is AggregateException or System.Reflection.TargetInvocationException || inner.GetType().Name == "FunctionFailedException"))
        {
            inner = inner.InnerException!;
        }

        var entity = new TableEntity(Partition(logicalQueue), Key(body))
        {
            ["Error"] = inner.GetType().Name,
            ["Message"] = Mask(inner.Message),
            ["Attempts"] = attempts,
            ["At"] = time.GetUtcNow(),
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The recorded failures of these bodies of one queue (missing ones are left out).</summary>
    public async Task<IReadOnlyDictionary<string, QueueFailure>> FindAsync(string logicalQueue, IEnumerable<string> bodies, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, QueueFailure>(StringComparer.Ordinal);
        foreach (var body in bodies.Distinct(StringComparer.Ordinal))
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(logicalQueue), Key(body), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (row.HasValue)
            {
                var e = row.Value!;
                found[body] = new QueueFailure(logicalQueue, e.GetString("Error") ?? "", e.GetString("Message") ?? "", e.GetInt64("Attempts") ?? 0, e.GetDateTimeOffset("At") ?? default);
            }
        }

        return found;
    }

    /// <summary>Forgets a body's failure (it was replayed; a new failure records again).</summary>
    public Task ForgetAsync(string logicalQueue, string body, CancellationToken cancellationToken) =>
        _table.DeleteEntityAsync(Partition(logicalQueue), Key(body), cancellationToken: cancellationToken);

    private static string Partition(string logicalQueue) => "fail-" + TableKeys.Escape(logicalQueue);

    private static string Key(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    /// <summary>
    /// An exception's message may quote what it could not process: email addresses and phone numbers are masked before
    /// the message is kept, and it is cut to a screenful.
    /// </summary>
    public static string Mask(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var masked = PhoneNumber().Replace(EmailAddress().Replace(message, "***@***"), "***-****-****");
        return masked.Length <= MaxMessage ? masked : masked[..MaxMessage] + "…";
    }

    [GeneratedRegex(@"[^\s@""'<>(),;:]+@[^\s@""'<>(),;:]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailAddress();

    [GeneratedRegex(@"\+?\d[\d\- ]{8,}\d")]
    private static partial Regex PhoneNumber();
}
