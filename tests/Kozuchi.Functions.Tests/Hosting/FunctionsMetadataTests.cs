using System.Text.Json.Nodes;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Functions.Tests.Deploy;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>
/// The functions the Worker SDK generated: what the docs promise, what the worker reports to the host, and what the
/// local runtime runs are one list; every function is reachable from <c>kozuchi serve</c>, and only through its trigger.
/// </summary>
public sealed class FunctionsMetadataTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;
    private KozuchiAppFactory _app = null!;

    public async ValueTask InitializeAsync()
    {
        _storage = await azurite.CreateScopeAsync();
        _app = new KozuchiAppFactory(_storage).WithSetting("Kozuchi:Auth:OperatorKey", "operator-key-placeholder");
        _ = _app.Services;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _storage.DisposeAsync();
    }

    private static IReadOnlyList<LocalFunction> Built => FunctionCatalog.Load().Functions;

    public static TheoryData<string> FunctionNames() => [.. FunctionCatalog.Load().Functions.Select(f => f.Name)];

    [Fact]
    public void The_docs_function_table_is_exactly_the_built_functions_metadata()
    {
        var doc = File.ReadAllText(RepositoryTools.PathOf("docs", "FUNCTIONS.md"));
        var start = doc.IndexOf("<!-- functions-table:start -->", StringComparison.Ordinal);
        var end = doc.IndexOf("<!-- functions-table:end -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/FUNCTIONS.md has no functions table.");
        var documented = doc[start..end].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)).Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);

        var built = Built.Select(Row).ToHashSet(StringComparer.Ordinal);

        Assert.True(built.SetEquals(documented),
            "docs/FUNCTIONS.md differs from functions.metadata.\nNot documented:\n" + string.Join('\n', built.Except(documented)) + "\nDocumented but not built:\n" + string.Join('\n', documented.Except(built)));
    }

    [Fact]
    public void Every_http_function_declares_who_may_call_it()
    {
        var undeclared = Built.Where(f => f.IsHttp && HttpAccessAttribute.Of(f.Method) is null).Select(f => f.Name).ToList();
        Assert.True(undeclared.Count == 0, "HTTP functions without [HttpAccess]: " + string.Join(", ", undeclared));
        Assert.All(Built.Where(f => f.IsHttp), f => Assert.Equal("Anonymous", f.Trigger["authLevel"]));
        Assert.All(Built.Where(f => !f.IsHttp), f => Assert.Null(HttpAccessAttribute.Of(f.Method)));
    }

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void Every_function_is_reachable_from_the_local_runtime(string name)
    {
        var function = _app.Functions[name];
        Assert.Empty(FunctionInvoker.Problems(function));

        // The class is built from the app's container, per invocation, as the worker builds it.
        using (var scope = _app.Services.CreateScope())
        {
            Assert.NotNull(function.Method.IsStatic ? function.Method.DeclaringType : ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.Method.DeclaringType!));
        }

        if (function.IsHttp)
        {
            var endpoint = Assert.Single(Endpoints(), e => e.Metadata.GetMetadata<LocalFunction>()?.Name == name);
            Assert.Equal($"/api/{function.Trigger["route"]}", endpoint.RoutePattern.RawText);
            Assert.Equal(function.Trigger.List("methods").Select(m => m.ToUpperInvariant()).Order(), endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Order());
        }
        else
        {
            // The trigger runner has a loop for it, on names resolved as the host resolves them.
            Assert.NotNull(_app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<LocalRuntimeService>().Single().Loop(function, NullLogger.Instance));
        }
    }

    [Fact]
    public void Serve_maps_the_http_functions_and_no_other_route_but_the_browsers_entry_points()
    {
        var mapped = Endpoints().ToList();
        var functions = mapped.Where(e => e.Metadata.GetMetadata<LocalFunction>() is not null).ToList();
        Assert.Equal(Built.Count(f => f.IsHttp), functions.Count);

        // "/" (to the dashboard) and "/favicon.ico" (to its icon): docs/FUNCTIONS.md, "Not functions".
        Assert.Equal(["/", "/favicon.ico"], mapped.Except(functions).Select(e => e.RoutePattern.RawText).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_worker_reports_to_the_host_the_same_functions_as_functions_metadata()
    {
        // With worker indexing the host asks the worker, which answers from the source-generated provider in kozuchi.dll.
        var provider = typeof(Program).Assembly.GetTypes().Single(t => typeof(IFunctionMetadataProvider).IsAssignableFrom(t) && !t.IsAbstract);
        var generated = await ((IFunctionMetadataProvider)Activator.CreateInstance(provider, nonPublic: true)!).GetFunctionMetadataAsync(AppContext.BaseDirectory);

        Assert.Equal(Built.Select(f => f.Name).Order(StringComparer.Ordinal), generated.Select(f => f.Name!).Order(StringComparer.Ordinal));
        foreach (var reported in generated)
        {
            var built = Built.Single(f => f.Name == reported.Name);
            Assert.Equal(built.EntryPoint, reported.EntryPoint);
            var trigger = reported.RawBindings!.Select(b => JsonNode.Parse(b)!.AsObject()).Single(b => ((string)b["type"]!).EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));
            foreach (var key in new[] { "type", "route", "queueName", "schedule", "path", "source", "connection", "authLevel" })
            {
                Assert.True(built.Trigger[key] == (trigger[key]?.ToString()), $"{reported.Name}.{key}: {built.Trigger[key]} in functions.metadata, {trigger[key]} from the worker.");
            }
        }
    }

    /// <summary>The table row a function must have, built from functions.metadata and its declared access.</summary>
    private static string Row(LocalFunction f)
    {
        var t = f.Trigger;
        var (what, connection, access) = f.TriggerType switch
        {
            "httpTrigger" => ($"`{string.Join(' ', t.List("methods").Select(m => m.ToUpperInvariant()))} /api/{t["route"]}`", "—", HttpAccessAttribute.Of(f.Method)?.Access.ToString().ToLowerInvariant() ?? "?"),
            "queueTrigger" => ($"queue `{t["queueName"]}`", $"`{t["connection"]}`", "—"),
            "blobTrigger" => ($"blob `{t["path"]}` (source `{t["source"]}`)", $"`{t["connection"]}`", "—"),
            "timerTrigger" => ($"schedule `{t["schedule"]}` (UTC)", "—", "—"),
            _ => throw new InvalidOperationException($"{f.Name}: a {f.TriggerType} is not documented."),
        };
        return $"| `{f.Name}` | `{f.TriggerType}` | {what} | {connection} | {access} |";
    }

    private IEnumerable<RouteEndpoint> Endpoints() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
}
