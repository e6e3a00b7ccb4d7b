using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Text;
using DuckDB.NET.Data;
using Kozuchi.Core.Common;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Storage.Analytics;

public sealed class FreeSqlOptions
{
    /// <summary>A query running longer is interrupted.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most rows one answer carries (a CSV download included); more are cut and flagged.</summary>
    public int MaxRows { get; set; } = 100_000;

    /// <summary>
    /// The most an answer carries in bytes (UTF-8 text of its values, a CSV download included); rows past it are cut and
    /// flagged like rows past <see cref="MaxRows"/>, so a query of long texts cannot fill the instance's memory.
    /// </summary>
    public long MaxBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Queries run one at a time per instance (DuckDB takes the threads and memory it is given); the next waits this
    /// long for its turn, then is answered 429 with Retry-After.
    /// </summary>
    public TimeSpan QueueWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>DuckDB's memory ceiling per query, well inside a Flex Consumption instance.</summary>
    public string MemoryLimit { get; set; } = "1GB";
}

public sealed record SqlColumn(string Name, string Type);

public sealed record SqlAnswer(string SnapshotId, DateTimeOffset SnapshotTakenAt, IReadOnlyList<SqlColumn> Columns, IReadOnlyList<object?[]> Rows, bool Truncated, long ElapsedMs)
{
    /// <summary>Which limit cut the answer when <see cref="Truncated"/>: <c>rows</c> or <c>bytes</c>.</summary>
    public string? TruncatedBy { get; init; }
}

public enum SqlFailure
{
    /// <summary>Not a single read-only query, or DuckDB refused it (syntax, unknown column, read-only database …).</summary>
    Rejected,

    TimedOut,

    /// <summary>No snapshot has been taken yet.</summary>
    NoSnapshot,

    /// <summary>Another query held this instance's query slot for longer than <see cref="FreeSqlOptions.QueueWait"/>.</summary>
    Busy,
}

public sealed record SqlOutcome(SqlAnswer? Answer, SqlFailure? Failure, string? Message)
{
    public static SqlOutcome Fail(SqlFailure failure, string message) => new(null, failure, message);
}

/// <summary>
/// Free, read-only SQL over the newest Parquet snapshot. The snapshot is loaded once per instance into a local DuckDB
/// file; every query then opens that file read-only, turns off access to files and the network, sets its thread and
/// memory limits and locks the configuration before the shop's SQL runs — so a query can read the three tables and
/// nothing else, and cannot change them. The single-statement check only gives clearer errors; the database enforces.
/// </summary>
public sealed partial class FreeSql(AnalyticsSnapshots snapshots, FreeSqlOptions options, ILogger<FreeSql> logger) : IDisposable
{
    private static readonly string[] ReadKeywords = ["SELECT", "WITH", "FROM", "VALUES", "TABLE", "DESCRIBE", "SHOW", "SUMMARIZE", "PIVOT", "UNPIVOT", "EXPLAIN"];
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _databases = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slot = new(1, 1);

    // One folder per instance of this class: two apps in one process (tests, or a host restart) never share a file.
    private readonly Lazy<string> _root = new(() => Directory.CreateTempSubdirectory("kozuchi-sql-").FullName);

    /// <summary>How long a caller refused as <see cref="SqlFailure.Busy"/> should wait before trying again.</summary>
    public static TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(5);

    public async Task<SqlOutcome> RunAsync(string? sql, int? maxRows, CancellationToken cancellationToken)
    {
        if (Check(sql) is { } problem)
        {
            return SqlOutcome.Fail(SqlFailure.Rejected, problem);
        }

        if (await snapshots.LatestAsync(cancellationToken).ConfigureAwait(false) is not { } manifest)
        {
            return SqlOutcome.Fail(SqlFailure.NoSnapshot, "No snapshot yet: take one (POST /api/analytics/snapshots) or wait for the nightly one.");
        }

        if (!await _slot.WaitAsync(options.QueueWait, cancellationToken).ConfigureAwait(false))
        {
            LogBusy(logger, options.QueueWait.TotalSeconds);
            return SqlOutcome.Fail(SqlFailure.Busy, string.Create(CultureInfo.InvariantCulture, $"Another query is running on this instance; try again in {RetryAfter.TotalSeconds:0} s."));
        }

        try
        {
            return await RunOneAsync(sql!, maxRows, manifest, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slot.Release();
        }
    }

    /// <summary>Takes this instance's query slot, as a running query does, until the result is disposed (maintenance and tests).</summary>
    public async Task<IDisposable> HoldAsync(CancellationToken cancellationToken)
    {
        await _slot.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slot);
    }

    private async Task<SqlOutcome> RunOneAsync(string sql, int? maxRows, SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var file = await DatabaseAsync(manifest, cancellationToken).ConfigureAwait(false);
        var limit = Math.Clamp(maxRows ?? options.MaxRows, 1, options.MaxRows);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        await using var db = new DuckDBConnection($"DataSource={file};ACCESS_MODE=READ_ONLY");
        await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await AnalyticsSnapshots.ExecuteAsync(db, $"SET enable_external_access = false; SET threads = 2; SET memory_limit = '{options.MemoryLimit}'; SET lock_configuration = true;", cancellationToken).ConfigureAwait(false);
        using var command = db.CreateCommand();
        command.CommandText = sql;
        try
        {
            // DuckDB runs the query on this thread; the timer interrupts it from another.
            using var interrupt = timeout.Token.Register(command.Cancel);
            return await Task.Run(() => Read(command, manifest, limit, options.MaxBytes, started), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogTimedOut(logger, options.Timeout.TotalSeconds, e.GetType().Name);
            return SqlOutcome.Fail(SqlFailure.TimedOut, $"The query ran longer than {options.Timeout.TotalSeconds:0} s and was stopped. Narrow it (WHERE, LIMIT) or aggregate first.");
        }
        catch (DuckDBException e)
        {
            return SqlOutcome.Fail(SqlFailure.Rejected, e.Message);
        }
    }

    private sealed class Slot(SemaphoreSlim slot) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slot.Release();
            }
        }
    }

    private static SqlOutcome Read(DuckDBCommand command, SnapshotManifest manifest, int limit, long maxBytes, long started)
    {
        using var reader = command.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(i => new SqlColumn(reader.GetName(i), reader.GetDataTypeName(i))).ToList();
        var rows = new List<object?[]>();
        string? truncatedBy = null;
        long bytes = columns.Sum(c => (long)Encoding.UTF8.GetByteCount(c.Name) + 4);
        while (reader.Read())
        {
            if (rows.Count == limit)
            {
                truncatedBy = "rows";
                break;
            }

            var row = new object?[reader.FieldCount];
            long rowBytes = 0;
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : Plain(reader.GetValue(i));
                rowBytes += SizeOf(row[i]);
            }

            if (bytes + rowBytes > maxBytes)
            {
                truncatedBy = "bytes";
                break;
            }

            bytes += rowBytes;
            rows.Add(row);
        }

        var elapsed = (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new SqlOutcome(new SqlAnswer(manifest.Id, manifest.TakenAt, columns, rows, truncatedBy is not null, elapsed) { TruncatedBy = truncatedBy }, null, null);
    }

    /// <summary>A value's size in an answer: its UTF-8 text (what JSON and CSV carry) plus a separator's worth.</summary>
    private static long SizeOf(object? value) => value switch
    {
        null => 4,
        string s => Encoding.UTF8.GetByteCount(s) + 4,
        _ => 32,
    };

    /// <summary>Values JSON and CSV can carry as they are: DuckDB's HUGEINT sums arrive as BigInteger, dates as DateOnly.</summary>
    private static object? Plain(object value) => value switch
    {
        BigInteger b => b >= long.MinValue && b <= long.MaxValue ? (long)b : b.ToString(CultureInfo.InvariantCulture),
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        byte[] bytes => Convert.ToBase64String(bytes),
        string or bool or byte or short or int or long or sbyte or ushort or uint or ulong or float or double or decimal or DateOnly or TimeOnly or DateTimeOffset or Guid => value,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>Null when the text is one statement that starts like a query; otherwise what is wrong, in words.</summary>
    public static string? Check(string? sql)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            return "Send one SQL query, e.g. SELECT count(*) FROM customers.";
        }

        var code = CodeOnly(sql).TrimEnd().TrimEnd(';');
        if (code.Contains(';', StringComparison.Ordinal))
        {
            return "Send one statement at a time (the text has more than one ';').";
        }

        var first = code.TrimStart().Split((char[])[' ', '\t', '\r', '\n', '('], 2)[0].ToUpperInvariant();
        return ReadKeywords.Contains(first)
            ? null
            : $"Only read-only queries run here (SELECT, WITH …); '{first}' is not one. The tables are customers, orders and order_products.";
    }

    /// <summary>The SQL with string literals, quoted names and comments blanked, so a ';' inside them is not a separator.</summary>
    private static string CodeOnly(string sql)
    {
        var code = new StringBuilder(sql.Length);
        for (var i = 0; i < sql.Length; i++)
        {
            var c = sql[i];
            if (c is '\'' or '"')
            {
                var end = sql.IndexOf(c, i + 1);
                while (end >= 0 && end + 1 < sql.Length && sql[end + 1] == c)
                {
                    end = sql.IndexOf(c, end + 2);
                }

                i = end < 0 ? sql.Length : end;
                code.Append(' ');
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end;
                code.Append(' ');
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 1;
                code.Append(' ');
            }
            else
            {
                code.Append(c);
            }
        }

        return code.ToString();
    }

    /// <summary>The snapshot as a local DuckDB file, built once per snapshot and instance; older ones are removed.</summary>
    private Task<string> DatabaseAsync(SnapshotManifest manifest, CancellationToken cancellationToken) =>
        _databases.GetOrAdd(manifest.Id, _ => new Lazy<Task<string>>(() => BuildAsync(manifest, cancellationToken))).Value;

    private async Task<string> BuildAsync(SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var root = _root.Value;
        var directory = Path.Combine(root, manifest.Id);
        Directory.CreateDirectory(directory);
        try
        {
            await snapshots.DownloadAsync(manifest, directory, cancellationToken).ConfigureAwait(false);
            var file = Path.Combine(directory, "snapshot.duckdb");
            await using (var db = new DuckDBConnection($"DataSource={file}"))
            {
                await db.OpenAsync(cancellationToken).ConfigureAwait(false);
                foreach (var table in SnapshotManifest.Tables)
                {
                    var parquet = Path.Combine(directory, table + ".parquet").Replace("'", "''", StringComparison.Ordinal);
                    await AnalyticsSnapshots.ExecuteAsync(db, $"CREATE TABLE {table} AS SELECT * FROM read_parquet('{parquet}')", cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var table in SnapshotManifest.Tables)
            {
                File.Delete(Path.Combine(directory, table + ".parquet"));
            }

            foreach (var old in Directory.EnumerateDirectories(root).Where(d => Path.GetFileName(d) != manifest.Id))
            {
                if (_databases.TryRemove(Path.GetFileName(old), out _))
                {
                    TryDelete(old);
                }
            }

            return file;
        }
        catch
        {
            _databases.TryRemove(manifest.Id, out _);
            TryDelete(directory);
            throw;
        }
    }

    public void Dispose()
    {
        _slot.Dispose();
        if (_root.IsValueCreated)
        {
            TryDelete(_root.Value);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A query may still have the old file open; the next build tries again.
        }
    }

    /// <summary>Writes the answer as CSV (UTF-8 with BOM, so Excel in Japan opens it as UTF-8), header first, through the app's one CSV writer.</summary>
    public static byte[] ToCsv(SqlAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var text = new StringBuilder();
        text.Append(CsvWriter.Row(answer.Columns.Select(c => c.Name)));
        foreach (var row in answer.Rows)
        {
            text.AppendJoin(',', row.Select(CsvWriter.Value)).Append(CsvWriter.NewLine);
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Free SQL query refused: another query held the instance's slot for {Seconds} s")]
    private static partial void LogBusy(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Free SQL query stopped after {Seconds} s ({Exception})")]
    private static partial void LogTimedOut(ILogger logger, double seconds, string exception);
}
