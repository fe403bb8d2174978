// Container registry (Standard) for the bot image. No admin user, no anonymous pull: the app
// pulls with its managed identity (AcrPull), the release pipeline pushes with its own Entra
// identity. Premium adds private endpoints, zone redundancy and quarantine at about three times
// the price; one image for one council does not need them.

param location string
param tags object

@description('Registry name (5-50 alphanumerics, globally unique).')
param name string

param appPrincipalId string
param workspaceId string

var acrPullRole = '7f951dda-4ed3-4680-a7ca-43fe172d538d' // AcrPull

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  //checkov:skip=CKV_AZURE_139:Public endpoint kept (Entra sign-in only, no admin user, no anonymous pull): private-only registries need Premium and a build agent inside the VNet.
  //checkov:skip=CKV_AZURE_166:Quarantine is a Premium preview feature; images are scanned by Microsoft Defender for Containers when the subscription enables it (docs/deploy.md).
  //checkov:skip=CKV_AZURE_233:Zone redundancy is Premium-only; losing the registry for a while stops new deployments, not the running bot.
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
    zoneRedundancy: 'Disabled'
  }
}

resource appPulls 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registry
  name: guid(registry.id, appPrincipalId, acrPullRole)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRole)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: registry
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
