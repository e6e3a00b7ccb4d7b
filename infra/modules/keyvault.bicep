// Key Vault (RBAC) for every secret the app reads. App settings hold @Microsoft.KeyVault(...) references, so
// rotating a secret is a change in the vault only (docs/DEPLOY.md, "Rotating secrets").
param name string
param location string
param tags object

@description('Communication Service whose connection string is stored for the email channel.')
param communicationServiceName string

@secure()
@description('Operator key for the dashboard in Key auth mode (azd keeps the vault\'s value or generates one).')
param operatorKey string = ''

@secure()
@description('Secret of the generic order webhook (azd keeps the vault\'s value or generates one).')
param orderWebhookSecret string = ''

@secure()
@description('Shopify app client secret; empty leaves the vault\'s value as it is.')
param shopifyWebhookSecret string = ''

@secure()
@description('LINE channel secret; empty leaves the vault\'s value as it is.')
param lineChannelSecret string = ''

@secure()
@description('LINE channel access token; empty leaves the vault\'s value as it is.')
param lineChannelAccessToken string = ''

@secure()
@description('HMAC key of the unsubscribe links (azd keeps the vault\'s value or generates one).')
param unsubscribeSigningKey string = ''

// Secret names in the vault. The app setting each feeds is in functionapp.bicep.
var secretNames = {
  operatorKey: 'operator-key'
  shopifySecret: 'shopify-webhook-secret'
  shopifySecretPrevious: 'shopify-webhook-secret-previous'
  orderSecret: 'order-webhook-secret'
  orderSecretPrevious: 'order-webhook-secret-previous'
  lineChannelSecret: 'line-channel-secret'
  lineChannelAccessToken: 'line-channel-access-token'
  emailConnectionString: 'email-connection-string'
  unsubscribeSigningKey: 'unsubscribe-signing-key'
  eventGridKey: 'eventgrid-delivery-key'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}

resource emailConnectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretNames.emailConnectionString
  properties: {
    value: communicationService.listKeys().primaryConnectionString
  }
}

resource operatorKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(operatorKey)) {
  parent: vault
  name: secretNames.operatorKey
  properties: {
    value: operatorKey
  }
}

resource orderSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(orderWebhookSecret)) {
  parent: vault
  name: secretNames.orderSecret
  properties: {
    value: orderWebhookSecret
  }
}

resource shopifySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(shopifyWebhookSecret)) {
  parent: vault
  name: secretNames.shopifySecret
  properties: {
    value: shopifyWebhookSecret
  }
}

resource lineSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(lineChannelSecret)) {
  parent: vault
  name: secretNames.lineChannelSecret
  properties: {
    value: lineChannelSecret
  }
}

resource lineToken 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(lineChannelAccessToken)) {
  parent: vault
  name: secretNames.lineChannelAccessToken
  properties: {
    value: lineChannelAccessToken
  }
}

resource unsubscribeKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(unsubscribeSigningKey)) {
  parent: vault
  name: secretNames.unsubscribeSigningKey
  properties: {
    value: unsubscribeSigningKey
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
output secretNames object = secretNames
