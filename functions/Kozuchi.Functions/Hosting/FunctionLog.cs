namespace Kozuchi.Functions.Hosting;

/// <summary>The one line a queue, timer or blob function logs when it is done: counts and ids, never personal data.</summary>
public static partial class FunctionLog
{
    /// <summary>The summary is only built when the line is written.</summary>
    public static void Done(ILogger logger, string functionName, Func<string> summary)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(summary);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var line = summary();
            LogDone(logger, functionName, line);
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "{FunctionName}: {Summary}")]
    private static partial void LogDone(ILogger logger, string functionName, string summary);
}
