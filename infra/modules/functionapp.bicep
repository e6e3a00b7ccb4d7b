// The Flex Consumption plan and the function app: .NET 10 isolated worker. The package (scripts/package) is the
// worker's Release publish: kozuchi.dll, functions.metadata, worker.config.json, .azurefunctions/ and host.json.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainer string
param appInsightsConnectionString string
param keyVaultUri string
param secretNames object
param emailEndpoint string
param emailSender string

param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048
param alwaysReadyHttpInstances int = 0
param operatorAuthMode string = 'Key'
param shopTimeZone string = 'Asia/Tokyo'
param shopCurrency string = 'JPY'

@description('Who carries email: Acs (the Communication Service this deployment creates) or Sandbox (rendered into the outbox, nothing sent: a staging app).')
@allowed([
  'Acs'
  'Sandbox'
])
param emailProvider string = 'Acs'

@description('Who carries LINE: Line (needs the channel access token in the vault) or Sandbox.')
@allowed([
  'Line'
  'Sandbox'
])
param lineProvider string = 'Line'

@description('The shop\'s name as messages sign it; empty: 当店.')
param shopName string = ''

@description('The shop\'s storefront URL for the templates\' buttons; empty leaves them out.')
param shopUrl string = ''

@description('The language of customer messages: ja, or en for the templates\' English variants.')
@allowed([
  'ja'
  'en'
])
param messageLanguage string = 'ja'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'kozuchi'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyHttpInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyHttpInstances
              }
            ]
          : []
      }
      // The newest .NET Flex Consumption offers for the isolated worker (GA there since 2025-11; docs/DEPLOY.md).
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  // Every setting the app reads in Azure (README "Configuration"); a test compares this list with the code.
  // FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not allowed on Flex (functionAppConfig sets them:
  // dotnet-isolated, ~4).
  resource settings 'config' = {
    name: 'appsettings'
    properties: {
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
      AZURE_CLIENT_ID: identityClientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      Kozuchi__Shop__TimeZone: shopTimeZone
      Kozuchi__Shop__Currency: shopCurrency
      Kozuchi__Auth__Mode: operatorAuthMode
      // Dashboard pages of a large shop answer from the precomputed report set (docs/ANALYTICS.md); 'false' scans per request.
      Kozuchi__Reports__Precomputed: 'true'
      Kozuchi__Reports__StaleAfterSeconds: '0.25'
      Kozuchi__Reports__PendingAfterSeconds: '20'
      Kozuchi__Auth__OperatorKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.operatorKey}/)'
      Kozuchi__Webhooks__ShopifySecret: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.shopifySecret}/)'
      Kozuchi__Webhooks__ShopifySecretPrevious: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.shopifySecretPrevious}/)'
      Kozuchi__Webhooks__OrderSecret: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.orderSecret}/)'
      Kozuchi__Webhooks__OrderSecretPrevious: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.orderSecretPrevious}/)'
      Kozuchi__Line__ChannelSecret: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.lineChannelSecret}/)'
      Kozuchi__Line__ChannelAccessToken: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.lineChannelAccessToken}/)'
      // azd up creates the Communication Service and sets its endpoint and sender: email goes through ACS. LINE needs
      // its token in the vault; until then its scenarios are refused at activation with the reason (docs/CHANNELS.md).
      Kozuchi__Channels__Email__Provider: emailProvider
      Kozuchi__Channels__Line__Provider: lineProvider
      Kozuchi__Channels__ShopName: shopName
      Kozuchi__Channels__ShopUrl: shopUrl
      Kozuchi__Channels__Language: messageLanguage
      Kozuchi__Email__Endpoint: emailEndpoint
      Kozuchi__Email__Sender: emailSender
      Kozuchi__Email__ConnectionString: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.emailConnectionString}/)'
      Kozuchi__Unsubscribe__SigningKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.unsubscribeSigningKey}/)'
      Kozuchi__Unsubscribe__BaseUrl: 'https://${app.properties.defaultHostName}'
      Kozuchi__EventGrid__Key: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secretNames.eventGridKey}/)'
      // The trigger attributes name their queues and the import container as %settings% (Hosting/TriggerNames.cs) that
      // the host resolves from here. Production has no storage prefix: each is the catalog's own name.
      KozuchiQueueOrdersIncoming: 'orders-incoming'
      KozuchiQueueScenarioEvents: 'scenario-events'
      KozuchiQueueScenarioWakeups: 'scenario-wakeups'
      KozuchiQueueSendEmail: 'send-email'
      KozuchiQueueSendLine: 'send-line'
      KozuchiQueueSendDm: 'send-dm'
      KozuchiQueueSendCall: 'send-call'
      KozuchiQueueCheckoutsIncoming: 'checkouts-incoming'
      KozuchiQueueCheckoutTimers: 'checkout-timers'
      KozuchiContainerImports: 'imports'
    }
  }
}

output name string = app.name
output id string = app.id
output defaultHostName string = app.properties.defaultHostName
