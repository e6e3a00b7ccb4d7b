using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kozuchi.Channels.Common;
using Kozuchi.Channels.Email;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Kozuchi.Channels.Tests.Email;

/// <summary>The ACS Email client against a loopback server that plays the documented REST behaviour (api-facts §3).</summary>
public sealed class AcsEmailClientTests : IDisposable
{
    private const string AccessKey = "a2V5LWZvci10ZXN0cy1vbmx5"; // base64("key-for-tests-only"), a test placeholder
    private const string SendPath = "/emails:send";
    private readonly ProviderFake _acs = new();
    private readonly ObservableTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero));
    private readonly SendAttempt _attempt = new("scenario-1/c123/step-2", new DateTimeOffset(2026, 11, 2, 9, 29, 0, TimeSpan.Zero));

    private static readonly EmailMessage Message = new("hanako@example.jp", "佐藤 花子", "ご購入ありがとうございます", "<p>こんにちは</p>", "こんにちは")
    {
        Headers = new Dictionary<string, string> { ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click" },
    };

    public void Dispose() => _acs.Dispose();

    private AcsEmailClient Client(TimeSpan? timeout = null, int perMinute = 30, AcsAuthentication? auth = null) =>
        new(new HttpClient { Timeout = Timeout.InfiniteTimeSpan },
            new AcsEmailOptions { ConnectionString = $"endpoint={_acs.Url};accesskey={AccessKey}", Sender = "DoNotReply@mail.example.jp", RequestTimeout = timeout ?? Timeout.InfiniteTimeSpan, SendsPerMinute = perMinute },
            auth ?? AcsAuthentication.Hmac(AccessKey),
            new InMemorySendRateLimiter(_time),
            _time,
            NullLogger<AcsEmailClient>.Instance);

    private void Accepts(string retryAfter = "0") =>
        _acs.Server.Given(Request.Create().WithPath(SendPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(202)
                .WithHeader("Operation-Location", $"{_acs.Url}emails/operations/op-1?api-version=2023-03-31")
                .WithHeader("retry-after", retryAfter)
                .WithBodyAsJson(new { id = "op-1", status = "Running" }));

    [Fact]
    public async Task A_send_is_signed_with_hmac_over_verb_path_date_host_and_body_hash()
    {
        Accepts();
        var result = await Client().SendAsync(Message, _attempt, TestContext.Current.CancellationToken);

        Assert.Equal(EmailSendStatus.Accepted, result.Status);
        var request = Assert.Single(_acs.Requests(SendPath));
        var body = ProviderFake.BodyBytes(request);
        var date = ProviderFake.Header(request, "x-ms-date")!;
        var host = ProviderFake.Header(request, "Host")!;

        // The documented algorithm, step by step, against what the server actually received.
        var contentHash = Convert.ToBase64String(SHA256.HashData(body));
        var pathAndQuery = "/emails:send?api-version=2023-03-31";
        var stringToSign = "POST" + "\n" + pathAndQuery + "\n" + date + ";" + host + ";" + contentHash;
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(AccessKey), Encoding.UTF8.GetBytes(stringToSign)));

        Assert.Equal(contentHash, ProviderFake.Header(request, "x-ms-content-sha256"));
        Assert.Equal($"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}", ProviderFake.Header(request, "Authorization"));
        Assert.Equal(_time.GetUtcNow(), DateTimeOffset.Parse(date, CultureInfo.InvariantCulture));
        Assert.Equal("2023-03-31", request.RequestMessage!.Query!["api-version"].Single());
    }

    [Fact]
    public void The_hmac_signature_matches_a_fixed_vector()
    {
        // Computed outside .NET from the documented steps (key = base64-decoded access key).
        var body = Encoding.UTF8.GetBytes("""{"hello":"world"}""");
        Assert.Equal("k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg=", AcsHmacSigner.ContentHash(body));
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", AcsHmacSigner.ContentHash([]));

        var date = AcsHmacSigner.Date(new DateTimeOffset(2024, 11, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal("Fri, 01 Nov 2024 00:00:00 GMT", date);
        var toSign = AcsHmacSigner.StringToSign("post", "/emails:send?api-version=2023-03-31", date, "contoso.communication.azure.com", AcsHmacSigner.ContentHash(body));
        Assert.Equal("Hx+ZdrQdowS+rb/tJuizme1cx7Jp/xUTl6/Ivqf9vmc=", AcsHmacSigner.Signature(Convert.FromBase64String(AccessKey), toSign));
    }

    [Fact]
    public async Task Repeatability_and_operation_headers_come_from_the_idempotency_key_and_first_attempt()
    {
        _acs.Server.Given(Request.Create().WithPath(SendPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(500));
        var client = Client();

        var first = await client.SendAsync(Message, _attempt, TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(30));
        var second = await client.SendAsync(Message, _attempt, TestContext.Current.CancellationToken);

        Assert.Equal(EmailSendStatus.Retryable, first.Status);
        Assert.Equal(EmailSendStatus.Retryable, second.Status);
        var requests = _acs.Requests(SendPath);
        Assert.Equal(2, requests.Count);
        var expectedId = IdempotencyKeys.Uuid(_attempt.IdempotencyKey).ToString();
        Assert.All(requests, r =>
        {
            Assert.Equal(expectedId, ProviderFake.Header(r, "repeatability-request-id"));
            Assert.Equal(expectedId, ProviderFake.Header(r, "Operation-Id"));
            Assert.Equal("Mon, 02 Nov 2026 09:29:00 GMT", ProviderFake.Header(r, "repeatability-first-sent"));
        });

        // The signature date moves on with the clock; the first-sent date does not.
        Assert.NotEqual(ProviderFake.Header(requests[0], "x-ms-date"), ProviderFake.Header(requests[1], "x-ms-date"));
    }

    [Fact]
    public async Task The_body_carries_sender_recipient_both_bodies_and_custom_headers()
    {
        Accepts();
        await Client().SendAsync(Message, _attempt, TestContext.Current.CancellationToken);

        using var json = System.Text.Json.JsonDocument.Parse(ProviderFake.Body(Assert.Single(_acs.Requests(SendPath)))!);
        var root = json.RootElement;
        Assert.Equal("DoNotReply@mail.example.jp", root.GetProperty("senderAddress").GetString());
        Assert.Equal("hanako@example.jp", root.GetProperty("recipients").GetProperty("to")[0].GetProperty("address").GetString());
        Assert.Equal("<p>こんにちは</p>", root.GetProperty("content").GetProperty("html").GetString());
        Assert.Equal("こんにちは", root.GetProperty("content").GetProperty("plainText").GetString());
        Assert.Equal("List-Unsubscribe=One-Click", root.GetProperty("headers").GetProperty("List-Unsubscribe-Post").GetString());
    }

    [Fact]
    public async Task An_accepted_send_is_polled_at_the_interval_acs_asks_until_it_succeeds()
    {
        Accepts(retryAfter: "2");
        const string opPath = "/emails/operations/op-1";
        _acs.Server.Given(Request.Create().WithPath(opPath).UsingGet()).InScenario("op").WillSetStateTo("running-1")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("retry-after", "3").WithBodyAsJson(new { id = "op-1", status = "Running" }));
        _acs.Server.Given(Request.Create().WithPath(opPath).UsingGet()).InScenario("op").WhenStateIs("running-1")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = "op-1", status = "Succeeded" }));
        var ct = TestContext.Current.CancellationToken;

        var parked = _time.ExpectTimer();
        var sending = Client().SendAndWaitAsync(Message, _attempt, ct);
        await parked.WaitAsync(ct);
        Assert.Empty(_acs.Requests(opPath));

        parked = _time.ExpectTimer();
        _time.Advance(TimeSpan.FromSeconds(2));
        await parked.WaitAsync(ct);

        // Parked again on the poll's own retry-after (3 s): 2 s later it still waits.
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(sending.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await sending.WaitAsync(ct);

        Assert.Equal(EmailSendStatus.Succeeded, result.Status);
        Assert.Equal("op-1", result.OperationId);
        Assert.Equal(2, _acs.Requests(opPath).Count);
        Assert.All(_acs.Requests(opPath), r => Assert.StartsWith("HMAC-SHA256 ", ProviderFake.Header(r, "Authorization"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_operation_is_a_failed_result_with_its_code()
    {
        Accepts();
        _acs.Server.Given(Request.Create().WithPath("/emails/operations/op-1").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { id = "op-1", status = "Failed", error = new { code = "InvalidRecipient", message = "x" } }));

        var result = await Client().SendAndWaitAsync(Message, _attempt, TestContext.Current.CancellationToken);

        Assert.Equal(EmailSendStatus.Failed, result.Status);
        Assert.Equal("InvalidRecipient", result.ErrorCode);
    }

    [Fact]
    public async Task A_429_is_throttled_with_the_retry_after_acs_sent()
    {
        _acs.Server.Given(Request.Create().WithPath(SendPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "17").WithBodyAsJson(new { error = new { code = "TooManyRequests", message = "slow down" } }));

        var result = await Client().SendAndWaitAsync(Message, _attempt, TestContext.Current.CancellationToken);

        Assert.Equal(EmailSendStatus.Throttled, result.Status);
        Assert.Equal(TimeSpan.FromSeconds(17), result.RetryAfter);
        Assert.Single(_acs.Requests(SendPath));
    }

    [Fact]
    public async Task A_500_is_retryable_not_an_exception()
    {
        _acs.Server.Given(Request.Create().WithPath(SendPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(503).WithBodyAsJson(new { error = new { code = "ServiceUnavailable", message = "later" } }));

        var result = await Client().SendAsync(Message, _attempt, TestContext.Current.CancellationToken);

        Assert.Equal(EmailSendStatus.Retryable, result.Status);
        Assert.Equal(503, result.HttpStatus);
        Assert.Equal("ServiceUnavailable", result.ErrorCode);
    }

    [Fact]
    public async Task A_request_that_outlasts_the_timeout_is_retryable()
    {
        // The server holds the answer for 2 s of real time; the client's 10 s timeout runs on the fake clock.
        _acs.Server.Given(Request.Create().WithPath(SendPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(202).WithDelay(TimeSpan.FromSeconds(2)));
        var ct = TestContext.Current.CancellationToken;

        var timerStarted = _time.ExpectTimer();
        var sending = Client(timeout: TimeSpan.FromSeconds(10)).SendAsync(Message, _attempt, ct);
        await timerStarted.WaitAsync(ct);
        _time.Advance(TimeSpan.FromSeconds(10));
        var result = await sending.WaitAsync(ct);

        Assert.Equal(EmailSendStatus.Retryable, result.Status);
        Assert.Equal("Timeout", result.ErrorCode);
    }

    [Fact]
    public async Task A_409_for_a_repeat_still_in_progress_counts_as_accepted()
    {
        _acs.Server.Given(Request.Create().WithPath(SendPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(409).WithHeader("Repeatability-Result", "rejected"));

        var result = await Client().SendAsync(Message, _attempt, TestContext.Current.CancellationToken);

        Assert.Equal(EmailSendStatus.Accepted, result.Status);
        Assert.Equal(IdempotencyKeys.Uuid(_attempt.IdempotencyKey).ToString(), result.OperationId);
    }

    [Theory]
    [InlineData(400, "InvalidSenderAddress")]
    [InlineData(401, "Unauthorized")]
    public async Task Other_4xx_are_permanent_failures(int status, string code)
    {
        _acs.Server.Given(Request.Create().WithPath(SendPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(status).WithBodyAsJson(new { error = new { code, message = "no" } }));

        var result = await Client().SendAsync(Message, _attempt, TestContext.Current.CancellationToken);

        Assert.Equal(EmailSendStatus.Failed, result.Status);
        Assert.Equal(code, result.ErrorCode);
    }

    [Fact]
    public async Task A_first_sent_date_past_the_repeatability_window_is_not_resent_blindly()
    {
        _acs.Server.Given(Request.Create().WithPath(SendPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(412));

        var result = await Client().SendAsync(Message, _attempt, TestContext.Current.CancellationToken);

        Assert.Equal(EmailSendStatus.Failed, result.Status);
        Assert.Equal("RepeatabilityExpired", result.ErrorCode);
    }

    [Fact]
    public async Task The_send_rate_budget_holds_sends_beyond_the_limit_without_calling_acs()
    {
        Accepts();
        var client = Client(perMinute: 3);
        var ct = TestContext.Current.CancellationToken;

        var results = new List<EmailSendResult>();
        for (var i = 0; i < 4; i++)
        {
            results.Add(await client.SendAsync(Message, _attempt with { IdempotencyKey = "k" + i }, ct));
        }

        Assert.Equal([EmailSendStatus.Accepted, EmailSendStatus.Accepted, EmailSendStatus.Accepted, EmailSendStatus.Throttled], results.Select(r => r.Status));
        Assert.Equal(TimeSpan.FromMinutes(1), results[3].RetryAfter);
        Assert.Equal(3, _acs.Requests(SendPath).Count);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(EmailSendStatus.Accepted, (await client.SendAsync(Message, _attempt, ct)).Status);
    }

    [Fact]
    public async Task Entra_id_sends_a_bearer_token_for_the_communication_scope_instead_of_hmac()
    {
        Accepts();
        var credential = new FixedTokenCredential();

        var auth = AcsAuthentication.Entra(credential);
        await Client(auth: auth).SendAsync(Message, _attempt, TestContext.Current.CancellationToken);
        await Client(auth: auth).SendAsync(Message, _attempt with { IdempotencyKey = "other" }, TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMinutes(56));
        await Client(auth: auth).SendAsync(Message, _attempt with { IdempotencyKey = "later" }, TestContext.Current.CancellationToken);

        var requests = _acs.Requests(SendPath);
        Assert.All(requests, r => Assert.Equal("Bearer test-token", ProviderFake.Header(r, "Authorization")));
        Assert.All(requests, r => Assert.Null(ProviderFake.Header(r, "x-ms-content-sha256")));
        Assert.Equal(["https://communication.azure.com//.default"], credential.Scopes);

        // Cached until five minutes before it expires (10:30), then fetched again.
        Assert.Equal(2, credential.Calls);
    }

    [Fact]
    public void A_connection_string_gives_endpoint_and_key_and_a_bad_one_does_not_echo_the_key()
    {
        var parsed = AcsConnectionString.Parse("endpoint=https://kozuchi.communication.azure.com/;accesskey=" + AccessKey);
        Assert.Equal(new Uri("https://kozuchi.communication.azure.com/"), parsed.Endpoint);
        Assert.Equal(AccessKey, parsed.AccessKey);

        var error = Assert.Throws<FormatException>(() => AcsConnectionString.Parse("accesskey=" + AccessKey));
        Assert.DoesNotContain(AccessKey, error.Message, StringComparison.Ordinal);
    }

    private sealed class FixedTokenCredential : Azure.Core.TokenCredential
    {
        public string[] Scopes { get; private set; } = [];

        public int Calls { get; private set; }

        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Calls++;
            Scopes = requestContext.Scopes;
            return new("test-token", new DateTimeOffset(2026, 11, 2, 10, 30, 0, TimeSpan.Zero));
        }

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
