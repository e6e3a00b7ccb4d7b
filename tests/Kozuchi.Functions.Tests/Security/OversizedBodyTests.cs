using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Security;

/// <summary>A body larger than what its function reads is a 413 everywhere, with or without a Content-Length, never a 500.</summary>
public sealed class OversizedBodyTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string OperatorKey = "oversized-test-operator-key";

    private LoopbackApp _loopback = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _loopback = await LoopbackApp.StartAsync(azurite, app => app.WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey)
            .WithSetting("Kozuchi:Webhooks:OrderSecret", "oversized-order-secret")
            .WithSetting("Kozuchi:Unsubscribe:SigningKey", "oversized-unsubscribe-key"));
        _loopback.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
    }

    public async ValueTask DisposeAsync() => await _loopback.DisposeAsync();

    /// <summary>A JSON-looking body of <paramref name="bytes"/> bytes: one long string value.</summary>
    private static byte[] Json(int bytes) => Encoding.ASCII.GetBytes("{\"name\":\"" + new string('x', bytes - 12) + "\"}");

    [Theory]
    [InlineData("POST", "/api/scenarios", 300 * 1024)]
    [InlineData("POST", "/api/segments", 300 * 1024)]
    [InlineData("PUT", "/api/templates/big", 9 * 1024 * 1024)]
    [InlineData("POST", "/api/exports/dm", 9 * 1024 * 1024)]
    [InlineData("POST", "/api/analytics/sql", 9 * 1024 * 1024)]
    [InlineData("POST", "/api/webhooks/orders", 5 * 1024 * 1024)]
    public async Task A_json_body_over_the_limit_is_413(string method, string path, int size)
    {
        using var content = new ByteArrayContent(Json(size));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await _loopback.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)) { Content = content }, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_limit_sent_without_a_length_is_413_too()
    {
        using var content = new StreamContent(new MemoryStream(Json(9 * 1024 * 1024)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri("/api/templates/big", UriKind.Relative)) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await _loopback.Client.SendAsync(request, Ct)).StatusCode);
    }

    [Theory]
    [InlineData("/api/dashboard/login")]
    [InlineData("/api/unsubscribe")]
    public async Task A_form_over_the_limit_is_413(string path)
    {
        using var content = new FormUrlEncodedContent([new("key", new string('k', 64 * 1024)), new("next", "/api/dashboard/")]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await _loopback.Client.PostAsync(new Uri(path, UriKind.Relative), content, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_body_past_the_servers_own_limit_is_413_not_500()
    {
        // Past Kestrel's 30 MB request limit, on an endpoint that reads a JSON body. Kestrel answers 413 and resets the
        // connection while the client is still writing, so a client that reads only after writing sees a broken pipe
        // (or loses the answer to the reset). A raw socket reads the answer while its writer is still sending.
        var address = _loopback.Client.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, Ct);
        var stream = tcp.GetStream();
        var head = Encoding.ASCII.GetBytes(
            $"POST /api/customers/c1/split HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {OperatorKey}\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        await stream.WriteAsync(head, Ct);

        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var writer = WriteChunksAsync(stream, 31 * 1024 * 1024, stopWriting.Token);

        var statusLine = await ReadStatusLineAsync(stream, Ct);
        await stopWriting.CancelAsync();
        await writer;

        Assert.StartsWith("HTTP/1.1 413", statusLine, StringComparison.Ordinal);
    }

    /// <summary>Sends <paramref name="total"/> bytes of one JSON string in 64 KiB chunks until the server stops taking them.</summary>
    private static async Task WriteChunksAsync(Stream stream, int total, CancellationToken ct)
    {
        var chunk = Encoding.ASCII.GetBytes($"{64 * 1024:x}\r\n" + "{\"name\":\"" + new string('x', 64 * 1024 - 9) + "\r\n");
        var filler = Encoding.ASCII.GetBytes($"{64 * 1024:x}\r\n" + new string('x', 64 * 1024) + "\r\n");
        try
        {
            for (var sent = 0; sent < total && !ct.IsCancellationRequested; sent += 64 * 1024)
            {
                await stream.WriteAsync(sent == 0 ? chunk : filler, ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The server answered and closed: the rest of the body is not wanted.
        }
    }

    private static async Task<string> ReadStatusLineAsync(Stream stream, CancellationToken ct)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one, ct) == 1 && one[0] != (byte)'\n')
        {
            line.Append((char)one[0]);
        }

        return line.ToString().TrimEnd('\r');
    }
}
