using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>
/// The custom-handler wire contract, with payloads shaped as the Functions host sends them (JSON-quoted
/// metadata strings, numbers as strings, base64 blob content) and answers shaped as it expects.
/// </summary>
public sealed class InvocationContractTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private Recorder _recorder = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage, extraFunctions: (r, s) => _recorder = TestFunctions.Register(r, s));
        _client = _app.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public async Task Root_answers_at_once_for_the_hosts_readiness_probe()
    {
        var response = await _client.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Queue_invocation_with_quoted_metadata_reaches_the_handler_and_answers_outputs_logs_and_return_value()
    {
        const string payload = """
            {
              "Data": { "message": "{\"orders\":[1,2,3]}" },
              "Metadata": {
                "DequeueCount": "2",
                "ExpirationTime": "2026-11-08T09:58:31+00:00",
                "Id": "\"8c3f0a4e-5b2d-4c1e-9f00-1a2b3c4d5e6f\"",
                "InsertionTime": "\"2026-11-01T09:58:31+00:00\"",
                "NextVisibleTime": "2026-11-01T10:08:32+00:00",
                "PopReceipt": "\"AgAAAAMAAAAAAAAAAgtnj8x+1QE=\"",
                "sys": { "MethodName": "QueueTrigger", "UtcNow": "2026-11-01T09:58:32.2205399Z", "RandGuid": "24ad4c06-24ad-4e5b-8294-3da9714877e9" }
              }
            }
            """;
        var response = await Invoke("TestQueue", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("Outputs").ValueKind);
        Assert.Equal("recorded 8c3f0a4e-5b2d-4c1e-9f00-1a2b3c4d5e6f", body.RootElement.GetProperty("Logs")[0].GetString());
        Assert.True(body.RootElement.TryGetProperty("ReturnValue", out _));
        var message = Assert.Single(_recorder.Messages);
        Assert.Equal("""{"orders":[1,2,3]}""", message.Text);
        Assert.Equal(2, message.DequeueCount);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 9, 58, 31, TimeSpan.Zero), message.InsertionTime);
    }

    [Fact]
    public async Task Queue_message_inlined_as_a_json_object_is_handed_over_as_its_json_text()
    {
        const string payload = """{"Data":{"message":{"orders":[7]}},"Metadata":{"DequeueCount":1,"Id":"abc"}}""";
        var response = await Invoke("TestQueue", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Assert.Single(_recorder.Messages);
        Assert.Equal("""{"orders":[7]}""", message.Text);
        Assert.Equal("abc", message.Id);
    }

    [Fact]
    public async Task Timer_invocation_reads_past_due_and_schedule_status()
    {
        const string payload = """
            {"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"2026-11-01T00:00:00+00:00","Next":"2026-11-01T01:00:00+00:00","LastUpdated":"2026-11-01T00:00:00+00:00"},"IsPastDue":true}},
             "Metadata":{"sys":{"MethodName":"TimerTrigger","UtcNow":"2026-11-01T03:00:00Z"}}}
            """;
        var response = await Invoke("TestTimer", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tick = Assert.Single(_recorder.Ticks);
        Assert.True(tick.IsPastDue);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 1, 0, 0, TimeSpan.Zero), tick.Next);
    }

    [Fact]
    public async Task Timer_invocation_without_schedule_status_is_accepted_as_on_a_first_run()
    {
        var response = await Invoke("TestTimer", """{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tick = Assert.Single(_recorder.Ticks);
        Assert.False(tick.IsPastDue);
        Assert.Null(tick.Last);
    }

    [Fact]
    public async Task Blob_invocation_decodes_base64_content_and_takes_the_name_from_metadata()
    {
        var csv = "order_id,ordered_at\n1,2026-11-01\n"u8.ToArray();
        var payload = $$$$"""
            {"Data":{"blob":"{{{{Convert.ToBase64String(csv)}}}}"},
             "Metadata":{"BlobTrigger":"\"imports/2026/11/orders.csv\"","Uri":"\"http://127.0.0.1:10000/devstoreaccount1/imports/2026/11/orders.csv\"","name":"\"2026/11/orders.csv\"","Properties":{"Length":29},"sys":{"MethodName":"BlobTrigger"}}}
            """;
        var response = await Invoke("TestBlob", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var blob = Assert.Single(_recorder.Blobs);
        Assert.Equal("2026/11/orders.csv", blob.Name);
        Assert.Equal("imports", blob.Container);
        Assert.Equal(csv, blob.Content.ToArray());
    }

    [Fact]
    public async Task Http_function_invoked_in_payload_mode_runs_its_endpoint_and_answers_the_res_output()
    {
        const string payload = """
            {"Data":{"req":{"Url":"http://localhost:7071/api/test/echo/42?q=yes","Method":"POST","Query":{"q":"yes"},
              "Headers":{"Content-Type":["text/plain"],"X-Test":["hello"]},"Params":{"id":"42"},"Body":"こんにちは"}},
             "Metadata":{"Query":{"q":"yes"},"Headers":{},"sys":{"MethodName":"TestEcho"}}}
            """;
        var response = await Invoke("TestEcho", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var res = body.RootElement.GetProperty("Outputs").GetProperty("res");
        Assert.Equal("200", res.GetProperty("StatusCode").GetString());
        Assert.Equal("200", res.GetProperty("Status").GetString());
        Assert.StartsWith("application/json", res.GetProperty("Headers").GetProperty("Content-Type").GetString(), StringComparison.Ordinal);
        var echo = JsonSerializer.Deserialize<TestFunctions.EchoResponse>(res.GetProperty("Body").GetString()!, JsonSerializerOptions.Web)!;
        Assert.Equal(new TestFunctions.EchoResponse("42", "こんにちは", "hello", "yes"), echo);
    }

    [Fact]
    public async Task Forwarded_http_function_is_served_under_api_with_the_raw_body()
    {
        using var content = new StringContent("raw ✓ body", Encoding.UTF8, "text/plain");
        var response = await _client.PostAsync(new Uri("/api/test/echo/7", UriKind.Relative), content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<TestFunctions.EchoResponse>(TestContext.Current.CancellationToken);
        Assert.Equal("raw ✓ body", echo!.Body);
    }

    [Theory]
    [InlineData("not json at all", "not JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("""{"Metadata":{}}""", "no 'Data'")]
    [InlineData("""{"Data":{"other":"x"},"Metadata":{}}""", "no 'message' binding")]
    [InlineData("""{"Data":{"message":null},"Metadata":{}}""", "no message")]
    public async Task Malformed_queue_payload_is_a_400_with_the_reason_and_runs_nothing(string payload, string reason)
    {
        var response = await Invoke("TestQueue", payload);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(0, _recorder.Attempts);
    }

    [Fact]
    public async Task Blob_payload_that_is_not_base64_is_a_400_and_runs_nothing()
    {
        var response = await Invoke("TestBlob", """{"Data":{"blob":"%%% not base64 %%%"},"Metadata":{"name":"\"a.csv\""}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, _recorder.Attempts);
    }

    [Fact]
    public async Task Timer_payload_that_is_not_timer_information_is_a_400()
    {
        var response = await Invoke("TestTimer", """{"Data":{"timer":42},"Metadata":{}}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_recorder.Ticks);
    }

    [Fact]
    public async Task Unknown_function_is_a_404()
    {
        var response = await Invoke("NoSuchFunction", """{"Data":{},"Metadata":{}}""");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Failing_handler_answers_500_so_the_host_retries_and_returns_its_logs()
    {
        _recorder.FailuresLeft = 1;
        var response = await Invoke("TestQueue", """{"Data":{"message":"x"},"Metadata":{"DequeueCount":"1"}}""");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("planned failure", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Empty(_recorder.Messages);
    }

    private async Task<HttpResponseMessage> Invoke(string function, string payload)
    {
        using var content = new StringContent(payload, Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/" + function, UriKind.Relative)) { Content = content };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        request.Headers.Add("User-Agent", "Azure-Functions-Host/4.1040.0");
        return await _client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
