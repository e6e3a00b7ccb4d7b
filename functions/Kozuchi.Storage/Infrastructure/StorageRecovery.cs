using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>A catalogued table, queue or container that does not exist in the account.</summary>
public sealed record MissingResource(string Kind, string Name);

/// <summary>
/// Storage reset (Azurite restarted without its data, a container deleted in the portal): the app's tables, queues and
/// containers are gone while the app runs. An operation that fails because one is missing (404 <c>TableNotFound</c>,
/// <c>QueueNotFound</c>, <c>ContainerNotFound</c>) has them all re-created once and is retried once. Concurrent failures
/// share one re-creation (and one log line): a caller that failed after a re-creation began waits for that one instead
/// of starting another.
/// </summary>
public sealed partial class StorageRecovery(StorageClients clients, ILogger<StorageRecovery> logger)
{
    private readonly Lock _gate = new();
    private Task _current = Task.CompletedTask;
    private int _generation;

    /// <summary>Re-creations so far; a caller reads it before its operation and hands it to <see cref="RecoverAsync"/>.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>The storage error says one of the app's tables, queues or containers does not exist.</summary>
    public static bool IsMissingResource(Exception exception) => exception switch
    {
        RequestFailedException { Status: 404, ErrorCode: "TableNotFound" or "QueueNotFound" or "ContainerNotFound" } => true,
        AggregateException a => a.InnerExceptions.Any(IsMissingResource),
        { InnerException: { } inner } => IsMissingResource(inner),
        _ => false,
    };

    /// <summary>Runs <paramref name="operation"/>; when it finds a resource missing, re-creates them and runs it once more.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var generation = Generation;
        try
        {
            return await operation(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsMissingResource(e))
        {
            await RecoverAsync(generation, e, cancellationToken).ConfigureAwait(false);
        }

        return await operation(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Re-creates every catalogued resource, unless a re-creation began since <paramref name="seenGeneration"/> (then
    /// waits for that one).
    /// </summary>
    public Task RecoverAsync(int seenGeneration, Exception cause, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cause);
        lock (_gate)
        {
            if (_generation == seenGeneration || _current.IsFaulted)
            {
                _generation++;
                _current = RecreateAsync(cause);
            }

            return _current.WaitAsync(cancellationToken);
        }
    }

    private async Task RecreateAsync(Exception cause)
    {
        var code = cause as RequestFailedException ?? cause.InnerException as RequestFailedException;
        await StorageInitializer.EnsureCreatedAsync(clients, CancellationToken.None).ConfigureAwait(false);
        LogRecreated(logger, code?.ErrorCode ?? cause.GetType().Name, clients.Connection.Describe());
    }

    /// <summary>Which catalogued tables, queues (with their poison queues) and containers do not exist: three listings.</summary>
    public async Task<IReadOnlyList<MissingResource>> MissingAsync(CancellationToken cancellationToken)
    {
        var found = await Task.WhenAll(MissingTablesAsync(cancellationToken), MissingQueuesAsync(cancellationToken), MissingContainersAsync(cancellationToken)).ConfigureAwait(false);
        return [.. found.SelectMany(f => f)];
    }

    /// <summary>The catalogued tables that do not exist (one listing under the app's prefix).</summary>
    public async Task<IReadOnlyList<MissingResource>> MissingTablesAsync(CancellationToken cancellationToken)
    {
        var prefix = clients.Names.Prefix;
        var tables = new HashSet<string>(StringComparer.Ordinal);
        var filter = prefix.Length == 0 ? null : TableClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}");
        await foreach (var t in clients.Tables.QueryAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            tables.Add(t.Name);
        }

        return [.. StorageCatalog.Tables.All.Select(clients.Names.Table).Where(n => !tables.Contains(n)).Select(n => new MissingResource("table", n))];
    }

    /// <summary>The catalogued queues and their poison queues that do not exist.</summary>
    public async Task<IReadOnlyList<MissingResource>> MissingQueuesAsync(CancellationToken cancellationToken)
    {
        var prefix = clients.Names.Prefix;
        var queues = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var q in clients.Queues.GetQueuesAsync(prefix: prefix.Length == 0 ? null : prefix, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            queues.Add(q.Name);
        }

        return [.. StorageCatalog.Queues.All.SelectMany(q => new[] { clients.Names.Queue(q), clients.Names.PoisonQueue(q) }).Where(n => !queues.Contains(n)).Select(n => new MissingResource("queue", n))];
    }

    /// <summary>The catalogued containers that do not exist.</summary>
    public async Task<IReadOnlyList<MissingResource>> MissingContainersAsync(CancellationToken cancellationToken)
    {
        var prefix = clients.Names.Prefix;
        var containers = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var c in clients.Blobs.GetBlobContainersAsync(prefix: prefix.Length == 0 ? null : prefix, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            containers.Add(c.Name);
        }

        return [.. StorageCatalog.Containers.All.Select(clients.Names.Container).Where(n => !containers.Contains(n)).Select(n => new MissingResource("container", n))];
    }

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Storage ({Account}) lost resources ({ErrorCode}): the app's tables, queues and containers were re-created")]
    private static partial void LogRecreated(ILogger logger, string errorCode, string account);
}
