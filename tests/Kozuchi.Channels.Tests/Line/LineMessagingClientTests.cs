using System.Text.Json;
using Kozuchi.Channels.Common;
using Kozuchi.Channels.Line;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Kozuchi.Channels.Tests.Line;

/// <summary>The LINE client against a loopback server that plays the documented Messaging API behaviour (api-facts §4).</summary>
public sealed class LineMessagingClientTests : IDisposable
{
    private const string PushPath = "/v2/bot/message/push";
    private const string MulticastPath = "/v2/bot/message/multicast";
    private readonly ProviderFake _line = new();
    private readonly ObservableTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero));
    private static readonly LineMessage[] Hello = [LineMessage.Text("こんにちは")];

    public void Dispose() => _line.Dispose();

    private LineMessagingClient Client(TimeSpan? timeout = null) =>
        new(new HttpClient { Timeout = Timeout.InfiniteTimeSpan },
            new LineOptions { BaseUrl = _line.Url, ChannelAccessToken = "test-channel-token", RequestTimeout = timeout ?? Timeout.InfiniteTimeSpan },
            _time,
            NullLogger<LineMessagingClient>.Instance);

    private static string User(int i) => "U" + i.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    private void Answers(string path, int status, object? body = null) =>
        _line.Server.Given(Request.Create().WithPath(path).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("X-Line-Request-Id", "req-1").WithBodyAsJson(body ?? new { }));

    [Fact]
    public async Task A_push_carries_the_token_and_a_retry_key_derived_from_the_idempotency_key()
    {
        Answers(PushPath, 200, new { sentMessages = new[] { new { id = "m1", quoteToken = "q" } } });

        var result = await Client().PushAsync(User(1), Hello, "scenario-1/c1/step-1", TestContext.Current.CancellationToken);

        Assert.Equal(LineSendStatus.Sent, result.Status);
        Assert.False(result.AlreadyAccepted);
        var request = Assert.Single(_line.Requests(PushPath));
        Assert.Equal("Bearer test-channel-token", ProviderFake.Header(request, "Authorization"));
        Assert.Equal(IdempotencyKeys.Uuid("scenario-1/c1/step-1").ToString(), ProviderFake.Header(request, "X-Line-Retry-Key"));
        using var body = JsonDocument.Parse(ProviderFake.Body(request)!);
        Assert.Equal(User(1), body.RootElement.GetProperty("to").GetString());
        Assert.Equal("こんにちは", body.RootElement.GetProperty("messages")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_retry_after_a_500_reuses_the_retry_key_and_a_409_counts_as_already_sent()
    {
        _line.Server.Given(Request.Create().WithPath(PushPath).UsingPost()).InScenario("retry").WillSetStateTo("accepted")
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new { message = "An error occurred in the server." }));
        _line.Server.Given(Request.Create().WithPath(PushPath).UsingPost()).InScenario("retry").WhenStateIs("accepted")
            .RespondWith(Response.Create().WithStatusCode(409).WithHeader("x-line-accepted-request-id", "req-first")
                .WithBodyAsJson(new { message = "The retry key is already accepted", sentMessages = new[] { new { id = "m1" } } }));
        var client = Client();
        var ct = TestContext.Current.CancellationToken;

        var first = await client.PushAsync(User(1), Hello, "k-1", ct);
        var second = await client.PushAsync(User(1), Hello, "k-1", ct);

        Assert.Equal(LineSendStatus.Retryable, first.Status);
        Assert.Equal(LineSendStatus.Sent, second.Status);
        Assert.True(second.AlreadyAccepted);
        Assert.Equal("req-first", second.RequestId);
        var keys = _line.Requests(PushPath).Select(r => ProviderFake.Header(r, "X-Line-Retry-Key")).ToList();
        Assert.Equal(2, keys.Count);
        Assert.Equal(keys[0], keys[1]);
    }

    [Fact]
    public async Task A_crash_after_line_accepted_and_the_message_processed_again_sends_once()
    {
        // LINE takes the first push; the process dies before the ledger records it; the queue delivers the message
        // again and the same retry key is presented. LINE answers 409: already sent, and nothing goes out twice.
        _line.Server.Given(Request.Create().WithPath(PushPath).UsingPost()).InScenario("crash").WillSetStateTo("accepted")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { sentMessages = new[] { new { id = "m1" } } }));
        _line.Server.Given(Request.Create().WithPath(PushPath).UsingPost()).InScenario("crash").WhenStateIs("accepted")
            .RespondWith(Response.Create().WithStatusCode(409).WithHeader("x-line-accepted-request-id", "req-first").WithBodyAsJson(new { message = "The retry key is already accepted" }));
        var ct = TestContext.Current.CancellationToken;

        _ = await Client().PushAsync(User(1), Hello, "scenario-1/c1/step-1", ct);
        var again = await Client().PushAsync(User(1), Hello, "scenario-1/c1/step-1", ct);

        Assert.Equal(LineSendStatus.Sent, again.Status);
        Assert.True(again.AlreadyAccepted);
        Assert.Equal("req-first", again.RequestId);
        Assert.Single(_line.Requests(PushPath).Select(r => ProviderFake.Header(r, "X-Line-Retry-Key")).Distinct());
    }

    [Fact]
    public async Task A_monthly_limit_429_is_quota_exhausted_and_raises_an_alert()
    {
        Answers(PushPath, 429, new { message = "You have reached your monthly limit." });

        var result = await Client().PushAsync(User(1), Hello, "k", TestContext.Current.CancellationToken);

        Assert.Equal(LineSendStatus.QuotaExhausted, result.Status);
        Assert.True(result.RaisesAlert);
    }

    [Fact]
    public async Task A_rate_limit_429_is_retryable_later_and_raises_no_alert()
    {
        Answers(PushPath, 429, new { message = "Too Many Requests" });

        var result = await Client().PushAsync(User(1), Hello, "k", TestContext.Current.CancellationToken);

        Assert.Equal(LineSendStatus.RateLimited, result.Status);
        Assert.False(result.RaisesAlert);
        Assert.NotNull(result.RetryAfter);
    }

    [Fact]
    public async Task A_400_is_a_permanent_failure_with_lines_message()
    {
        Answers(PushPath, 400, new { message = "The request body has 1 error(s)", details = new[] { new { message = "May not be empty", property = "messages[0].text" } } });

        var result = await Client().PushAsync(User(1), Hello, "k", TestContext.Current.CancellationToken);

        Assert.Equal(LineSendStatus.Failed, result.Status);
        Assert.Equal("The request body has 1 error(s)", result.Error);
    }

    [Fact]
    public async Task A_request_that_outlasts_the_timeout_is_retryable()
    {
        _line.Server.Given(Request.Create().WithPath(PushPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithDelay(TimeSpan.FromSeconds(2)));
        var ct = TestContext.Current.CancellationToken;

        var timerStarted = _time.ExpectTimer();
        var sending = Client(TimeSpan.FromSeconds(10)).PushAsync(User(1), Hello, "k", ct);
        await timerStarted.WaitAsync(ct);
        _time.Advance(TimeSpan.FromSeconds(10));
        var result = await sending.WaitAsync(ct);

        Assert.Equal(LineSendStatus.Retryable, result.Status);
        Assert.Equal("timeout", result.Error);
    }

    [Fact]
    public async Task A_multicast_is_split_into_requests_of_at_most_500_each_with_its_own_stable_retry_key()
    {
        Answers(MulticastPath, 200);
        var recipients = Enumerable.Range(0, 1201).Select(User).Append(User(0)).ToList();

        var result = await Client().MulticastAsync(recipients, Hello, "campaign-7", TestContext.Current.CancellationToken);

        Assert.True(result.AllSent);
        Assert.Equal(1201, result.SentRecipients);
        var requests = _line.Requests(MulticastPath);
        var sizes = requests.Select(r => JsonDocument.Parse(ProviderFake.Body(r)!).RootElement.GetProperty("to").GetArrayLength()).OrderDescending().ToList();
        Assert.Equal([500, 500, 201], sizes);
        var keys = requests.Select(r => ProviderFake.Header(r, "X-Line-Retry-Key")!).ToHashSet();
        Assert.Equal(3, keys.Count);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => LineMessagingClient.ChunkKey("campaign-7", i).ToString()).ToHashSet(), keys);
    }

    [Fact]
    public async Task One_hundred_thousand_recipients_go_out_in_two_hundred_multicast_calls()
    {
        Answers(MulticastPath, 200);
        var recipients = Enumerable.Range(0, 100_000).Select(User).ToList();

        var result = await Client().MulticastAsync(recipients, Hello, "campaign-big", TestContext.Current.CancellationToken);

        Assert.Equal(200, result.Chunks.Count);
        Assert.Equal(200, _line.Requests(MulticastPath).Count);
        Assert.Equal(100_000, result.SentRecipients);
    }

    [Fact]
    public async Task A_spent_quota_stops_the_remaining_multicast_chunks()
    {
        _line.Server.Given(Request.Create().WithPath(MulticastPath).UsingPost()).InScenario("quota").WillSetStateTo("spent")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { }));
        _line.Server.Given(Request.Create().WithPath(MulticastPath).UsingPost()).InScenario("quota").WhenStateIs("spent")
            .RespondWith(Response.Create().WithStatusCode(429).WithBodyAsJson(new { message = "You have reached your monthly limit." }));
        var recipients = Enumerable.Range(0, 1500).Select(User).ToList();

        var result = await Client().MulticastAsync(recipients, Hello, "campaign-q", TestContext.Current.CancellationToken);

        Assert.Equal([LineSendStatus.Sent, LineSendStatus.QuotaExhausted, LineSendStatus.NotAttempted], result.Chunks.Select(c => c.Status));
        Assert.True(result.RaisesAlert);
        Assert.Equal(2, _line.Requests(MulticastPath).Count);
    }

    [Fact]
    public void Messages_respect_lines_limits()
    {
        Assert.Throws<ArgumentException>(() => LineMessage.Text(new string('あ', 5001)));
        Assert.Equal(5000, ((LineText)LineMessage.Text(new string('あ', 5000))).Value.Length);
        Assert.Throws<ArgumentException>(() => LineMessage.Flex("alt", JsonDocument.Parse("""{"type":"box"}""").RootElement));
        var flex = LineMessage.Flex("新商品のお知らせ", JsonDocument.Parse("""{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[]}}""").RootElement).ToJson();
        Assert.Equal("flex", flex["type"]!.GetValue<string>());
        Assert.Equal("bubble", flex["contents"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task More_than_five_messages_are_refused_before_any_request()
    {
        var six = Enumerable.Repeat(LineMessage.Text("x"), 6).ToList();
        await Assert.ThrowsAsync<ArgumentException>(() => Client().PushAsync(User(1), six, "k", TestContext.Current.CancellationToken));
        Assert.Empty(_line.Server.LogEntries);
    }
}
