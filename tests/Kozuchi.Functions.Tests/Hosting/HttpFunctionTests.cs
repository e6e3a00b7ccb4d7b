using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Kozuchi.Functions.Hosting.Worker;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moq;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>
/// HTTP functions pass one gate in both hosts: in <c>kozuchi serve</c> (real HTTP through the local runtime) and in the
/// worker (its middleware, given the function's context as the worker builds it).
/// </summary>
public sealed class HttpFunctionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string OperatorKey = "operator-key-placeholder";
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage, configureServices: s => RecordingFunctions.Register(s)).WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey)
            .WithLogCapture().WithSetting("Logging:LogLevel:Kozuchi.Functions.Hosting.Http", "Information");
        foreach (var (key, value) in RecordingFunctions.Settings(_storage))
        {
            _app.WithSetting(key, value);
        }

        _client = _app.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public async Task A_public_function_gets_the_raw_body_its_route_value_headers_and_query()
    {
        using var content = new StringContent("raw ✓ body", Encoding.UTF8, "text/plain");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/test/echo/7?q=yes", UriKind.Relative)) { Content = content };
        request.Headers.Add("X-Test", "hello");

        var response = await _client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new RecordingFunctions.EchoResponse("7", "raw ✓ body", "hello", "yes"), await response.Content.ReadFromJsonAsync<RecordingFunctions.EchoResponse>(Ct));
    }

    [Fact]
    public async Task A_request_its_client_gave_up_on_is_logged_as_aborted_not_as_an_error()
    {
        var recorder = _app.Services.GetRequiredService<Recorder>();
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var call = _client.GetAsync(new Uri("/api/test/slow", UriKind.Relative), leave.Token);
        await recorder.SlowEntered.Task.WaitAsync(Ct);

        // The manager leaves the page while the function still works: the browser drops the request.
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await recorder.Finished("/api/test/slow").WaitAsync(Ct);

        var logs = _app.Logs!.Lines;
        Assert.True(!logs.Any(l => l.Level >= LogLevel.Error), string.Join("\n", logs.Where(l => l.Level >= LogLevel.Error)));
        Assert.Contains(logs, l => l.Level == LogLevel.Information && l.Message == "GET /api/test/slow: the client aborted the request");
    }

    [Fact]
    public async Task A_cancellation_the_client_did_not_ask_for_is_logged_as_an_error_and_answered_500()
    {
        var recorder = _app.Services.GetRequiredService<Recorder>();

        var response = await _client.GetAsync(new Uri("/api/test/storage-timeout", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(StatusCodes.Status500InternalServerError, await recorder.Finished("/api/test/storage-timeout").WaitAsync(Ct));
        Assert.Contains(_app.Logs!.Lines, l => l.Level == LogLevel.Error);
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Message.Contains("aborted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_function_that_declares_no_access_is_run_for_nobody()
    {
        var response = await _client.GetAsync(new Uri("/api/test/undeclared", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("should not run", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ProcessOrders")]
    [InlineData("ImportOrders")]
    [InlineData("ScenarioSweep")]
    [InlineData("TestQueue")]
    public async Task No_queue_timer_or_blob_function_can_be_run_over_http(string function)
    {
        using var content = new StringContent("""{"Data":{"message":"{}"},"Metadata":{}}""", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync(new Uri("/" + function, UriKind.Relative), content, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync(new Uri("/api/" + function, UriKind.Relative), content, Ct)).StatusCode);
    }

    [Fact]
    public async Task An_operator_function_refuses_an_anonymous_call_and_answers_the_operator()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.GetAsync(new Uri("/api/reports/summary", UriKind.Relative), Ct)).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/reports/summary", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(request, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_query_value_the_function_cannot_read_is_a_400_naming_it()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/operations/poison?sample=many", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        var response = await _client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("sample", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_the_worker_the_middleware_applies_the_same_gate_from_the_functions_entry_point()
    {
        var invoked = 0;
        Task<object?> Invoke()
        {
            invoked++;
            return Task.FromResult<object?>(TypedResults.Ok("figures"));
        }

        var context = WorkerContext("ReportSummary");

        var anonymous = new DefaultHttpContext { RequestServices = _app.Services };
        var refused = await HttpFunctionMiddleware.GuardAsync(context.Object, anonymous, Invoke);
        await refused.ExecuteAsync(anonymous);
        Assert.Equal((StatusCodes.Status401Unauthorized, 0), (anonymous.Response.StatusCode, invoked));

        var signedIn = new DefaultHttpContext { RequestServices = _app.Services };
        signedIn.Request.Headers.Authorization = "Bearer " + OperatorKey;
        var answered = await HttpFunctionMiddleware.GuardAsync(context.Object, signedIn, Invoke);
        Assert.Equal(1, invoked);
        Assert.Equal("figures", Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.Ok<string>>(answered).Value);
    }

    [Fact]
    public async Task In_the_worker_a_request_its_client_gave_up_on_ends_as_aborted_and_any_other_cancellation_still_fails()
    {
        // The worker logs any exception out of a function as an error: an aborted request must not leave the gate as one.
        var context = WorkerContext("ReportSummary");
        static Task<object?> Cancelled() => Task.FromException<object?>(new TaskCanceledException());

        using var left = new CancellationTokenSource();
        var aborted = new DefaultHttpContext { RequestServices = _app.Services, RequestAborted = left.Token };
        aborted.Request.Headers.Authorization = "Bearer " + OperatorKey;
        await left.CancelAsync();
        var answered = await HttpFunctionMiddleware.GuardAsync(context.Object, aborted, Cancelled);
        Assert.Equal(StatusCodes.Status499ClientClosedRequest, Assert.IsAssignableFrom<IStatusCodeHttpResult>(answered).StatusCode);

        var timedOut = new DefaultHttpContext { RequestServices = _app.Services };
        timedOut.Request.Headers.Authorization = "Bearer " + OperatorKey;
        await Assert.ThrowsAsync<TaskCanceledException>(() => HttpFunctionMiddleware.GuardAsync(context.Object, timedOut, Cancelled));
    }

    /// <summary>As the worker hands a function its context: the definition names the entry point, the services are the app's.</summary>
    private Mock<FunctionContext> WorkerContext(string function)
    {
        var local = _app.Functions[function];
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.EntryPoint).Returns(local.EntryPoint);
        definition.SetupGet(d => d.PathToAssembly).Returns(local.Method.DeclaringType!.Assembly.Location);
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        context.SetupGet(c => c.InstanceServices).Returns(_app.Services);
        return context;
    }
}
