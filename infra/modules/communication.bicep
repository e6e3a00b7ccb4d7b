// Email through Azure Communication Services: an Email Communication Service with the Azure-managed domain
// (works at once, low fixed quota; for trials) and optionally the shop's own domain (DNS-verified; the one to
// send production mail from and to raise quotas on). The Communication Service links whichever domains exist.
param emailServiceName string
param communicationServiceName string
param dataLocation string
param tags object

@description('The shop\'s own sending domain; empty for none.')
param customDomain string = ''

@description('True once the own domain\'s DNS records are verified: only then can it be linked and sent from.')
param customDomainVerified bool = false

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource ownDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = if (!empty(customDomain)) {
  parent: emailService
  name: empty(customDomain) ? 'unused' : customDomain
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'CustomerManaged'
    userEngagementTracking: 'Disabled'
  }
}

var useOwnDomain = !empty(customDomain) && customDomainVerified

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    // A customer-managed domain can only be linked once its DNS records are verified (docs/DEPLOY.md).
    linkedDomains: useOwnDomain ? [managedDomain.id, ownDomain.id] : [managedDomain.id]
  }
}

output name string = communicationService.name
output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = 'DoNotReply@${useOwnDomain ? customDomain : managedDomain.properties.mailFromSenderDomain}'
output customDomainVerificationRecords object = empty(customDomain) ? {} : ownDomain!.properties.verificationRecords
