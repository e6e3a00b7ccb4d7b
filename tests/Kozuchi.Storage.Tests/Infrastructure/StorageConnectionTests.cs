using Azure.Identity;
using Kozuchi.Storage.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Kozuchi.Storage.Tests.Infrastructure;

public sealed class StorageConnectionTests
{
    private static StorageConnection From(params (string Key, string Value)[] settings) =>
        StorageConnection.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Connection_string_is_used_as_is()
    {
        var c = From(("AzureWebJobsStorage", "UseDevelopmentStorage=true"));
        Assert.Equal("UseDevelopmentStorage=true", c.ConnectionString);
        Assert.False(c.UsesIdentity);
        Assert.Equal("development-storage", c.Describe());
    }

    [Fact]
    public void Account_name_alone_gives_the_three_public_cloud_endpoints_and_a_developer_credential()
    {
        var c = From(("AzureWebJobsStorage:accountName", "kozuchidata"));
        Assert.True(c.UsesIdentity);
        Assert.Equal(new Uri("https://kozuchidata.blob.core.windows.net/"), c.BlobServiceUri);
        Assert.Equal(new Uri("https://kozuchidata.queue.core.windows.net/"), c.QueueServiceUri);
        Assert.Equal(new Uri("https://kozuchidata.table.core.windows.net/"), c.TableServiceUri);
        Assert.IsType<DefaultAzureCredential>(c.Credential);
    }

    [Fact]
    public void Explicit_service_uris_with_managed_identity_and_client_id_use_that_user_assigned_identity()
    {
        var c = From(
            ("AzureWebJobsStorage:blobServiceUri", "https://a.blob.core.windows.net"),
            ("AzureWebJobsStorage:queueServiceUri", "https://a.queue.core.windows.net/"),
            ("AzureWebJobsStorage:tableServiceUri", "https://a.table.core.windows.net"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001"));
        Assert.Equal(new Uri("https://a.queue.core.windows.net/"), c.QueueServiceUri);
        Assert.IsType<ManagedIdentityCredential>(c.Credential);
        Assert.Equal("identity:a.blob.core.windows.net", c.Describe());
    }

    [Fact]
    public void Environment_variable_form_with_double_underscores_maps_to_the_same_settings()
    {
        Environment.SetEnvironmentVariable("KOZUCHI_TEST_AzureWebJobsStorage__accountName", "fromenv");
        try
        {
            var config = new ConfigurationBuilder().AddEnvironmentVariables("KOZUCHI_TEST_").Build();
            Assert.Equal(new Uri("https://fromenv.table.core.windows.net/"), StorageConnection.FromConfiguration(config).TableServiceUri);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KOZUCHI_TEST_AzureWebJobsStorage__accountName", null);
        }
    }

    [Fact]
    public void Missing_or_partial_settings_fail_with_a_message_that_says_what_to_set()
    {
        var none = Assert.Throws<StorageConfigurationException>(() => From());
        Assert.Contains("UseDevelopmentStorage=true", none.Message, StringComparison.Ordinal);
        Assert.Throws<StorageConfigurationException>(() => From(("AzureWebJobsStorage:blobServiceUri", "https://a.blob.core.windows.net")));
    }

    [Fact]
    public void Describe_names_the_account_but_never_the_key()
    {
        var c = From(("AzureWebJobsStorage", "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net"));
        Assert.Equal("account:shopdata", c.Describe());
        Assert.DoesNotContain("c2VjcmV0", c.Describe(), StringComparison.Ordinal);
    }
}
