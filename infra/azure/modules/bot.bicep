// Azure Bot registration (single tenant, or the app's managed identity) and its Teams channel.

param tags object
param name string
param displayName string

@description('https://<host>/api/messages')
param endpoint string

@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
param appType string

@description('Entra app id (SingleTenant) or the managed identity client id (UserAssignedMSI).')
param appId string

@description('Managed identity resource id (UserAssignedMSI only; empty otherwise).')
param identityId string

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: 'F0' // Teams is a standard channel: no message charges
  }
  properties: {
    displayName: displayName
    endpoint: endpoint
    msaAppId: appId
    msaAppType: appType
    msaAppTenantId: tenant().tenantId
    msaAppMSIResourceId: appType == 'UserAssignedMSI' ? identityId : null
    disableLocalAuth: true
    isStreamingSupported: false
    schemaTransformationVersion: '1.3'
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
      enableCalling: false
    }
  }
}

output name string = bot.name
