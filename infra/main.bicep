// Kozuchi on Azure: one resource group holding the function app (.NET 10 isolated worker on Flex Consumption), its
// storage, monitoring, Key Vault, email (Azure Communication Services) and the Event Grid feed of the import
// container. `azd up` deploys it with main.parameters.json; docs/DEPLOY.md explains every knob.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region of the resource group and its regional resources (Flex Consumption must be offered there).')
param location string

@description('Object id of the deploying developer or pipeline: gets data roles for local use and Key Vault secrets officer. Empty for none.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Kind of principal behind principalId.')
param principalType string = 'User'

@minValue(40)
@maxValue(1000)
@description('Upper bound on Flex Consumption instances (cost ceiling and downstream protection).')
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
@description('Memory per instance in MB.')
param instanceMemoryMB int = 2048

@minValue(0)
@description('Always-ready instances for the HTTP group (webhooks, dashboard); 0 scales to zero.')
param alwaysReadyHttpInstances int = 0

@allowed([
  'Key'
  'AppService'
])
@description('How operators sign in: `Key` (operator key from Key Vault) or `AppService` (App Service Authentication with Entra ID, configured separately).')
param operatorAuthMode string = 'Key'

@description('The shop\'s time zone (IANA or Windows id).')
param shopTimeZone string = 'Asia/Tokyo'

@description('The shop\'s base currency (ISO 4217): reports and KPIs are in it; other currencies are listed apart, never added.')
@minLength(3)
@maxLength(3)
param shopCurrency string = 'JPY'

@description('Where Azure Communication Services keeps email data at rest.')
param emailDataLocation string = 'Japan'

@description('The shop\'s own sending domain (for example mail.example.jp). Empty: only the Azure-managed trial domain.')
param customEmailDomain string = ''

@description('True once the app code is deployed: creates the Event Grid subscription that feeds the blob function (it needs the running host\'s blobs_extension key). The postdeploy hook sets it.')
param blobEventSubscription bool = false

@description('True once the own email domain\'s DNS records are verified in the Email Communication Service: links it and sends from it.')
param customEmailDomainVerified bool = false

@secure()
@description('Operator key for the dashboard (Key mode). main.parameters.json keeps the vault\'s value or generates one.')
param operatorKey string = ''

@secure()
@description('Secret of the generic order webhook. main.parameters.json keeps the vault\'s value or generates one.')
param orderWebhookSecret string = ''

@secure()
@description('Shopify app client secret (KOZUCHI_SHOPIFY_SECRET); empty leaves the vault as it is.')
param shopifyWebhookSecret string = ''

@secure()
@description('LINE channel secret (KOZUCHI_LINE_CHANNEL_SECRET); empty leaves the vault as it is.')
param lineChannelSecret string = ''

@secure()
@description('LINE channel access token (KOZUCHI_LINE_CHANNEL_ACCESS_TOKEN); empty leaves the vault as it is.')
param lineChannelAccessToken string = ''

@description('Who carries email: Acs (default) or Sandbox (a staging app that renders emails into its outbox and sends nothing).')
param emailProvider string = 'Acs'

@description('Who carries LINE: Line (default; needs KOZUCHI_LINE_CHANNEL_ACCESS_TOKEN) or Sandbox.')
param lineProvider string = 'Line'

@description('The shop\'s name as customer messages sign it.')
param shopName string = ''

@description('The shop\'s storefront URL for the message templates\' buttons.')
param shopUrl string = ''

@description('The language of customer messages: ja or en.')
param messageLanguage string = 'ja'

@secure()
@description('HMAC key of the unsubscribe links every email carries. main.parameters.json keeps the vault\'s value or generates one.')
param unsubscribeSigningKey string = ''

@description('Name of the blob-triggered function fed by Event Grid (its [Function] name in functions.metadata).')
param blobFunctionName string = 'ImportOrders'

var abbreviations = {
  resourceGroup: 'rg-'
  identity: 'id-'
  storage: 'st'
  logAnalytics: 'log-'
  appInsights: 'appi-'
  keyVault: 'kv-'
  plan: 'plan-'
  functionApp: 'func-'
  emailService: 'ecs-'
  communicationService: 'acs-'
  systemTopic: 'evgt-'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  app: 'kozuchi'
}
var storageNames = loadJsonContent('storage-names.json')
// Names are computed here, not taken from module outputs, so What-If can predict every resource.
var names = {
  identity: '${abbreviations.identity}kozuchi-${resourceToken}'
  storage: '${abbreviations.storage}${resourceToken}'
  logAnalytics: '${abbreviations.logAnalytics}${resourceToken}'
  appInsights: '${abbreviations.appInsights}${resourceToken}'
  keyVault: '${abbreviations.keyVault}${resourceToken}'
  plan: '${abbreviations.plan}${resourceToken}'
  functionApp: '${abbreviations.functionApp}kozuchi-${resourceToken}'
  emailService: '${abbreviations.emailService}${resourceToken}'
  communicationService: '${abbreviations.communicationService}${resourceToken}'
  systemTopic: '${abbreviations.systemTopic}${resourceToken}'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbreviations.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    tables: storageNames.tables
    queues: storageNames.queues
    containers: concat(storageNames.containers, [storageNames.deploymentContainer])
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    emailServiceName: names.emailService
    communicationServiceName: names.communicationService
    dataLocation: emailDataLocation
    customDomain: customEmailDomain
    customDomainVerified: customEmailDomainVerified
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    communicationServiceName: names.communicationService
    operatorKey: operatorKey
    orderWebhookSecret: orderWebhookSecret
    shopifyWebhookSecret: shopifyWebhookSecret
    lineChannelSecret: lineChannelSecret
    lineChannelAccessToken: lineChannelAccessToken
    unsubscribeSigningKey: unsubscribeSigningKey
  }
  dependsOn: [
    communication
  ]
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    storageAccountName: names.storage
    appInsightsName: names.appInsights
    keyVaultName: names.keyVault
    appIdentityName: names.identity
    developerPrincipalId: principalId
    developerPrincipalType: principalType
  }
  dependsOn: [
    identity
    storage
    monitoring
    keyVault
  ]
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: names.storage
    deploymentContainer: storageNames.deploymentContainer
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    keyVaultUri: keyVault.outputs.uri
    secretNames: keyVault.outputs.secretNames
    emailEndpoint: communication.outputs.endpoint
    emailSender: communication.outputs.senderAddress
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    operatorAuthMode: operatorAuthMode
    shopTimeZone: shopTimeZone
    emailProvider: emailProvider
    lineProvider: lineProvider
    shopName: shopName
    shopUrl: shopUrl
    messageLanguage: messageLanguage
    shopCurrency: shopCurrency
  }
  // The host reads its storage and Key Vault references as soon as the site exists.
  dependsOn: [
    storage
    roles
  ]
}

module blobEvents 'modules/blob-events.bicep' = {
  name: 'blob-events'
  scope: rg
  params: {
    name: names.systemTopic
    location: location
    tags: tags
    storageAccountName: names.storage
    functionAppName: names.functionApp
    functionName: blobFunctionName
    containerName: 'imports'
    createSubscription: blobEventSubscription
  }
  dependsOn: [
    storage
    functionApp
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output KOZUCHI_URL string = 'https://${functionApp.outputs.defaultHostName}'
output KOZUCHI_SHOPIFY_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/shopify'
output KOZUCHI_ORDER_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}/api/webhooks/orders'
output KOZUCHI_EMAIL_SENDER string = communication.outputs.senderAddress
output KOZUCHI_CUSTOM_EMAIL_DNS_RECORDS object = communication.outputs.customDomainVerificationRecords
