using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Kozuchi.Functions.Tests.Security;

/// <summary>Every log line the app writes at Warning and above (the factory's level), to check audit lines and that they hold no personal data.</summary>
internal sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogRecorder recorder, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            recorder._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
