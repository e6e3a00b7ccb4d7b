using System.Globalization;
using System.Text.Json;

namespace Kozuchi.Functions.Hosting.Http;

/// <summary>A request the function cannot read (a query value of the wrong type, a malformed JSON body): answered 400 by <see cref="HttpFunctionGuard"/>.</summary>
public sealed class HttpInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Typed reads of a request's query string and JSON body for HTTP functions. A value that is present but unreadable
/// throws <see cref="HttpInputException"/> (a 400 with the parameter's name), as ASP.NET Core's parameter binding did.
/// </summary>
public static class HttpInput
{
    public static string? Text(this HttpRequest request, string name) =>
        request?.Query.TryGetValue(name, out var values) == true && values.Count > 0 && values[0] is { Length: > 0 } v ? v : null;

    public static int? Number(this HttpRequest request, string name) =>
        request.Text(name) is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new HttpInputException($"{name} must be a whole number.");

    public static int RequiredNumber(this HttpRequest request, string name) =>
        request.Number(name) ?? throw new HttpInputException($"{name} is required.");

    public static bool? Flag(this HttpRequest request, string name) =>
        request.Text(name) is not { } text ? null
        : bool.TryParse(text, out var value) ? value
        : throw new HttpInputException($"{name} must be true or false.");

    public static string RequiredText(this HttpRequest request, string name) =>
        request.Text(name) ?? throw new HttpInputException($"{name} is required.");

    /// <summary>The body as JSON (web defaults, as the API answers); an empty body is null.</summary>
    public static async Task<T?> ReadJsonAsync<T>(this HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        if (body.Length == 0)
        {
            return default;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body.GetBuffer().AsSpan(0, (int)body.Length), ApiJson.Options);
        }
        catch (JsonException e)
        {
            throw new HttpInputException("The body is not the JSON this function reads: " + e.Message, e);
        }
    }

    public static async Task<T> RequiredJsonAsync<T>(this HttpRequest request, CancellationToken cancellationToken) =>
        await request.ReadJsonAsync<T>(cancellationToken) ?? throw new HttpInputException("A JSON body is required.");

    /// <summary>The raw body up to <paramref name="maxBytes"/>; null when it is larger (the caller answers 413).</summary>
    public static async Task<byte[]?> ReadBodyAsync(this HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public static IResult TooLarge(int maxBytes) =>
        TypedResults.Problem($"The body is larger than {maxBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large");
}

/// <summary>The API's JSON: the web defaults ASP.NET Core answers with, used to read bodies the same way.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
