using System.IO.Compression;

namespace Kozuchi.Functions.Tests.Deploy;

/// <summary>
/// The deployment package, unzipped once per test class: the one scripts/test built (KOZUCHI_PACKAGE_ZIP), or
/// one built here with scripts/package when the tests run on their own.
/// </summary>
public sealed class DeploymentPackage : IAsyncLifetime
{
    public const string ZipVariable = "KOZUCHI_PACKAGE_ZIP";

    public string ZipPath { get; private set; } = string.Empty;
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "kozuchi-package-" + Guid.NewGuid().ToString("N")[..8]);

    public async ValueTask InitializeAsync()
    {
        ZipPath = Environment.GetEnvironmentVariable(ZipVariable) is { Length: > 0 } given
            ? given
            : await BuildAsync();
        Assert.True(File.Exists(ZipPath), $"The deployment package {ZipPath} does not exist.");
        // .NET restores the Unix permissions recorded in the entries, as the Functions host's unzip does.
        await ZipFile.ExtractToDirectoryAsync(ZipPath, Directory);
    }

    public ValueTask DisposeAsync()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private static async Task<string> BuildAsync()
    {
        await RepositoryTools.RunAsync("scripts/package", [], TimeSpan.FromMinutes(8));
        return RepositoryTools.PathOf("artifacts", "kozuchi-package.zip");
    }
}
