using System.Collections.Concurrent;
using System.Net;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>
/// ACS Email on loopback, playing its repeatable-request rules (api-facts §3.4): the first request of a
/// <c>Repeatability-Request-ID</c> is accepted once, a repeat with the same body gets the original answer and sends
/// nothing, a repeat with a different body is 400. Answers to hand out first can be queued (429, 400, 500).
/// </summary>
internal sealed class AcsFake : IDisposable
{
    public const string SendPath = "/emails:send";

    private readonly ConcurrentDictionary<string, string> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(int Status, string? RetryAfter, string? Code)> _scripted = new();

    public AcsFake()
    {
        Server.Given(Request.Create().WithPath(SendPath).UsingPost()).RespondWith(Response.Create().WithCallback(Answer));
    }

    public WireMockServer Server { get; } = WireMockServer.Start();

    public Uri Url => new(Server.Url!);

    /// <summary>Mails that would reach a recipient: one per accepted repeatability id.</summary>
    public int Delivered => _accepted.Count;

    public IReadOnlyList<ILogEntry> Sends => [.. Server.LogEntries.Where(e => e.RequestMessage!.Path == SendPath).OrderBy(e => e.RequestMessage!.DateTime)];

    /// <summary>The next send is answered with <paramref name="status"/> instead (without accepting anything).</summary>
    public void ThenAnswer(int status, string? retryAfter = null, string? code = null) => _scripted.Enqueue((status, retryAfter, code));

    public static string? Header(ILogEntry entry, string name) =>
        entry.RequestMessage!.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    public static string Body(ILogEntry entry) => entry.RequestMessage!.Body ?? "";

    private ResponseMessage Answer(IRequestMessage request)
    {
        if (_scripted.TryDequeue(out var scripted))
        {
            var failure = Json(scripted.Status, scripted.Code is null ? "{}" : $$$"""{"error":{"code":"{{{scripted.Code}}}","message":"scripted"}}""");
            if (scripted.RetryAfter is { } after)
            {
                failure.AddHeader("Retry-After", after);
            }

            return failure;
        }

        var id = request.Headers?.FirstOrDefault(h => string.Equals(h.Key, "repeatability-request-id", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault() ?? "";
        var body = request.Body ?? "";
        var first = _accepted.GetOrAdd(id, body);
        if (first != body)
        {
            return Json((int)HttpStatusCode.BadRequest, """{"error":{"code":"RepeatabilityBodyMismatch","message":"same id, different body"}}""");
        }

        var accepted = Json((int)HttpStatusCode.Accepted, $$"""{"id":"{{id}}","status":"Running"}""");
        accepted.AddHeader("Operation-Location", $"{Url}emails/operations/{id}?api-version=2023-03-31");
        return accepted;
    }

    private static ResponseMessage Json(int status, string json)
    {
        var response = new ResponseMessage
        {
            StatusCode = status,
            BodyData = new BodyData { BodyAsString = json, DetectedBodyType = BodyType.String },
        };
        response.AddHeader("Content-Type", "application/json");
        return response;
    }

    public void Dispose() => Server.Stop();
}
