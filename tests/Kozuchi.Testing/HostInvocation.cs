using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kozuchi.Testing;

/// <summary>What the Functions host sends a custom handler for a queue trigger: <c>POST /{FunctionName}</c> with <c>{Data, Metadata}</c>.</summary>
public static class HostInvocation
{
    public static async Task<HttpResponseMessage> QueueAsync(HttpClient http, string functionName, string message, string messageId, long dequeueCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var payload = JsonSerializer.Serialize(new
        {
            Data = new { message },
            Metadata = new { DequeueCount = dequeueCount.ToString(CultureInfo.InvariantCulture), Id = $"\"{messageId}\"", sys = new { MethodName = "QueueTrigger" } },
        });
        using var content = new StringContent(payload, Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/" + functionName, UriKind.Relative)) { Content = content };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        return await http.SendAsync(request, cancellationToken);
    }
}
