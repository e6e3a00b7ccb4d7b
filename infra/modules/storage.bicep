// The storage account for the host and the app. Shared keys are off: everything authenticates with Entra ID
// (the app's managed identity in Azure, the developer's identity locally).
param name string
param location string
param tags object
param tables array
param queues array
param containers array

@description('Container of send batches too large for a queue message; its blobs are deleted when their batch is done, and a leftover is removed after sendBatchDays.')
param sendBatchContainer string = 'sendbatches'
param sendBatchDays int = 30

@description('Container of the sandbox providers\' rendered messages (送信プレビュー); they hold names and addresses, so they are removed after outboxDays.')
param outboxContainer string = 'outbox'
param outboxDays int = 90

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'
    properties: {
      // Raw payloads are the replay source: a deleted blob can be brought back for a week.
      deleteRetentionPolicy: {
        enabled: true
        days: 7
      }
    }

    resource blobContainers 'containers' = [
      for container in containers: {
        name: container
        properties: {
          publicAccess: 'None'
        }
      }
    ]
  }

  // A send batch's blob is orphaned only when its writer died before queueing the pointer; a pointer in a poison queue
  // keeps its blob, so poison send batches must be replayed within sendBatchDays (docs/CHANNELS.md).
  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          {
            enabled: true
            name: 'expire-send-batches'
            type: 'Lifecycle'
            definition: {
              actions: {
                baseBlob: {
                  delete: {
                    daysAfterModificationGreaterThan: sendBatchDays
                  }
                }
              }
              filters: {
                blobTypes: ['blockBlob']
                prefixMatch: ['${sendBatchContainer}/']
              }
            }
          }
          {
            enabled: true
            name: 'expire-outbox'
            type: 'Lifecycle'
            definition: {
              actions: {
                baseBlob: {
                  delete: {
                    daysAfterModificationGreaterThan: outboxDays
                  }
                }
              }
              filters: {
                blobTypes: ['blockBlob']
                prefixMatch: ['${outboxContainer}/']
              }
            }
          }
        ]
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource storageQueues 'queues' = [
      for queue in queues: {
        name: queue
      }
    ]
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource storageTables 'tables' = [
      for table in tables: {
        name: table
      }
    ]
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
