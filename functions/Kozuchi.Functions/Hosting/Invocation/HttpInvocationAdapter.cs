using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Primitives;

namespace Kozuchi.Functions.Hosting.Invocation;

/// <summary>
/// Serves an HTTP function invoked in payload mode (<c>Data.req</c> = Url, Method, Query, Headers, Params, Body)
/// by running the same endpoint that forwarding mode reaches, and answering with the <c>res</c> output the host
/// expects. The host only uses this mode for HTTP functions that also have non-HTTP bindings; webhooks are
/// forwarded so their signatures are checked on the raw bytes.
/// </summary>
public sealed class HttpInvocationAdapter(EndpointDataSource endpoints)
{
    public async Task<InvocationResult> InvokeAsync(FunctionDefinition function, JsonElement request, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInvocationException("The 'req' binding is not an HTTP request object.");
        }

        var endpoint = endpoints.Endpoints.OfType<RouteEndpoint>()
            .FirstOrDefault(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == function.Name)
            ?? throw new InvalidOperationException($"The HTTP function '{function.Name}' has no mapped endpoint.");

        var method = Read(request, "Method") ?? "GET";
        var url = Read(request, "Url") ?? throw new InvalidInvocationException("The 'req' binding has no 'Url'.");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new InvalidInvocationException($"The 'req' binding's Url '{url}' is not an absolute URL.");
        }

        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method.ToUpperInvariant();
        context.Request.Scheme = uri.Scheme;
        context.Request.Host = new HostString(uri.Authority);
        context.Request.Path = uri.AbsolutePath;
        context.Request.QueryString = new QueryString(uri.Query);
        if (Find(request, "Headers") is { ValueKind: JsonValueKind.Object } headers)
        {
            foreach (var h in headers.EnumerateObject())
            {
                context.Request.Headers[h.Name] = h.Value.ValueKind == JsonValueKind.Array
                    ? new StringValues([.. h.Value.EnumerateArray().Select(v => InvocationPayload.Unwrap(v) ?? string.Empty)])
                    : new StringValues(InvocationPayload.Unwrap(h.Value));
            }
        }

        var body = Find(request, "Body") is { } b ? InvocationPayload.Unwrap(b) ?? string.Empty : string.Empty;
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        context.Request.Body = new MemoryStream(bodyBytes);
        context.Request.ContentLength = bodyBytes.Length;

        var routeValues = new RouteValueDictionary();
        var matcher = new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary(endpoint.RoutePattern.Defaults));
        if (!matcher.TryMatch(context.Request.Path, routeValues) && Find(request, "Params") is { ValueKind: JsonValueKind.Object } parameters)
        {
            foreach (var p in parameters.EnumerateObject())
            {
                routeValues[p.Name] = InvocationPayload.Unwrap(p.Value);
            }
        }

        context.Request.RouteValues = routeValues;
        context.SetEndpoint(endpoint);
        var responseBody = new MemoryStream();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(responseBody));
        context.RequestAborted = cancellationToken;

        await endpoint.RequestDelegate!(context);
        await context.Response.CompleteAsync();

        var responseHeaders = context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        if (context.Response.ContentType is { } contentType)
        {
            responseHeaders["Content-Type"] = contentType;
        }

        var status = context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new InvocationResult
        {
            // All four members: one host version rejected a response missing any of them.
            Outputs = { ["res"] = new Dictionary<string, object?> { ["StatusCode"] = status, ["Status"] = status, ["Body"] = Encoding.UTF8.GetString(responseBody.ToArray()), ["Headers"] = responseHeaders } },
        };
    }

    private static JsonElement? Find(JsonElement obj, string name)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value;
            }
        }

        return null;
    }

    private static string? Read(JsonElement obj, string name) => Find(obj, name) is { } v ? InvocationPayload.Unwrap(v) : null;
}
