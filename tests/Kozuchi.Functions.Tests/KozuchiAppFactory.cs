using Kozuchi.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kozuchi.Functions.Tests;

/// <summary>
/// <c>kozuchi serve</c> (the local runtime) on the caller's own storage scope and clock: the HTTP functions through
/// their routes, the queue, timer and blob functions through <see cref="Functions"/> as its trigger runner delivers
/// them. Tests may add services (a test function catalog, a recorder) with <paramref name="configureServices"/>.
/// </summary>
public sealed class KozuchiAppFactory(StorageScope storage, ObservableTimeProvider? time = null, Action<IServiceCollection>? configureServices = null)
    : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _overrides = [];

    public ObservableTimeProvider Time { get; } = time ?? new ObservableTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>The queue, timer and blob functions, invoked as the local runtime invokes them.</summary>
    public LocalFunctions Functions => new(Services);

    /// <summary>What the app logged, when <see cref="WithLogCapture"/> was called before it started.</summary>
    public LogCapture? Logs { get; private set; }

    /// <summary>Keeps every log line of Information and above for the test to read (before the app is first used).</summary>
    public KozuchiAppFactory WithLogCapture()
    {
        Logs = new LogCapture();
        return this;
    }

    /// <summary>The unsubscribe signing key <see cref="WithStartSettings"/> stands in for the one scripts/start generates.</summary>
    public const string StartUnsubscribeKey = "start-like-unsubscribe-key-for-tests";

    /// <summary>
    /// The settings a local run has: <c>local.settings.sample.json</c> as <c>scripts/start</c> copies it (email and LINE
    /// on the sandbox providers, the shop's name), with a real unsubscribe signing key where the sample has its
    /// placeholder (scripts/start generates one). Storage stays the test's own.
    /// </summary>
    public KozuchiAppFactory WithStartSettings()
    {
        using var sample = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Deploy.RepositoryTools.PathOf("local.settings.sample.json")));
        foreach (var value in sample.RootElement.GetProperty("Values").EnumerateObject().Where(v => v.Name.StartsWith("Kozuchi__", StringComparison.Ordinal)))
        {
            var text = value.Value.GetString();
            var placeholder = text is not null && text.StartsWith('<') && text.EndsWith('>');
            WithSetting(value.Name.Replace("__", ":", StringComparison.Ordinal), placeholder ? null : text);
        }

        return WithSetting("Kozuchi:Unsubscribe:SigningKey", StartUnsubscribeKey);
    }

    /// <summary>Overrides one setting (before the app is first used).</summary>
    public KozuchiAppFactory WithSetting(string key, string? value)
    {
        _overrides[key] = value;
        return this;
    }

    /// <summary>
    /// Runs the validation the host runs first when it starts (<c>ValidateOnStart</c>) over this app's settings, and
    /// throws what stops the app. Tests of a bad setting use it rather than <c>CreateClient</c>: WebApplicationFactory
    /// reports a host that failed to start as an <see cref="ObjectDisposedException"/> now and then (its deferred host
    /// returns before the failure, then reads the disposed services: dotnet/extensions#4873, dotnet/aspnetcore#33494).
    /// </summary>
    public void ValidateAtStart()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(storage.AppSettings).AddInMemoryCollection(_overrides).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddKozuchi(configuration);
        services.AddFunctionServices(configuration);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(c =>
        {
            c.AddInMemoryCollection(storage.AppSettings);
            // Tests deliver triggers themselves, step by step, on the fake clock.
            c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kozuchi:LocalRuntime:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
                // appsettings.json keeps the host's start/stop lines; in tests they only bury a failure's message.
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            });
            c.AddInMemoryCollection(_overrides);
        });
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
            if (Logs is not null)
            {
                services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
            }

            configureServices?.Invoke(services);
        });
    }
}
