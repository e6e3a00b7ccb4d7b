using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>
/// The three service clients for one storage account, and named clients under them. Queue clients send
/// and read message text as-is (no base64), matching <c>"messageEncoding": "none"</c> in host.json.
/// </summary>
public sealed class StorageClients
{
    public StorageClients(StorageConnection connection, StorageNames names)
    {
        Connection = connection;
        Names = names;
        var retry = new Action<RetryOptions>(r =>
        {
            r.Mode = RetryMode.Exponential;
            r.MaxRetries = 5;
            r.Delay = TimeSpan.FromMilliseconds(200);
            r.MaxDelay = TimeSpan.FromSeconds(10);
            r.NetworkTimeout = TimeSpan.FromSeconds(30);
        });

        var tableOptions = new TableClientOptions();
        retry(tableOptions.Retry);
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        retry(queueOptions.Retry);
        var blobOptions = new BlobClientOptions();
        retry(blobOptions.Retry);

        if (connection.ConnectionString is { } cs)
        {
            Tables = new TableServiceClient(cs, tableOptions);
            Queues = new QueueServiceClient(cs, queueOptions);
            Blobs = new BlobServiceClient(cs, blobOptions);
        }
        else
        {
            var credential = connection.Credential ?? throw new StorageConfigurationException("Identity-based storage needs a credential.");
            Tables = new TableServiceClient(connection.TableServiceUri, credential, tableOptions);
            Queues = new QueueServiceClient(connection.QueueServiceUri, credential, queueOptions);
            Blobs = new BlobServiceClient(connection.BlobServiceUri, credential, blobOptions);
        }
    }

    public StorageConnection Connection { get; }
    public StorageNames Names { get; }
    public TableServiceClient Tables { get; }
    public QueueServiceClient Queues { get; }
    public BlobServiceClient Blobs { get; }

    public TableClient Table(string logicalName) => Tables.GetTableClient(Names.Table(logicalName));
    public QueueClient Queue(string logicalName) => Queues.GetQueueClient(Names.Queue(logicalName));
    public QueueClient PoisonQueue(string logicalName) => Queues.GetQueueClient(Names.PoisonQueue(logicalName));
    public BlobContainerClient Container(string logicalName) => Blobs.GetBlobContainerClient(Names.Container(logicalName));
}
