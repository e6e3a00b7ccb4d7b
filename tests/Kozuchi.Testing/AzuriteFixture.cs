using Xunit;

namespace Kozuchi.Testing;

/// <summary>One in-memory Azurite per test assembly; test classes isolate themselves with <see cref="CreateScopeAsync"/>.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private Azurite? _azurite;

    public Azurite Azurite => _azurite ?? throw new InvalidOperationException("Azurite has not started.");

    public string ConnectionString => Azurite.ConnectionString;

    public async ValueTask InitializeAsync() => _azurite = await Azurite.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    /// <summary>Tables, queues and containers of the catalogue under a prefix unique to the caller, removed on dispose.</summary>
    public Task<StorageScope> CreateScopeAsync() => StorageScope.CreateAsync(ConnectionString);
}
