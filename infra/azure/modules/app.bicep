// App Service for Linux running the bot's container: HTTPS only, TLS 1.2+, FTPS off, health
// check on /readyz, outbound traffic through the VNet (to PostgreSQL and Key Vault), secrets as
// Key Vault references read with the managed identity, an availability test and alert.

param location string
param tags object
param baseName string

@description('Web app name (globally unique: it becomes <name>.azurewebsites.net).')
param siteName string

@description('App Service plan SKU: P0v3 or larger for production.')
param skuName string

@minValue(1)
@maxValue(10)
param instanceCount int

param zoneRedundant bool

@description('Registry login server, e.g. crstepup123.azurecr.io.')
param registryServer string

@description('Image name and tag inside the registry, e.g. stepup-bot:1.0.0.')
param image string

param identityId string
param identityClientId string
param appSubnetId string
param workspaceId string
param insightsId string

@description('Plain (non-secret) app settings.')
param settings object

@description('Key Vault secrets exposed as app settings: setting name -> secret name.')
param secretSettings object

param vaultName string

@description('E-mail for availability alerts; empty: no alert.')
param alertEmail string

var vaultReferences = [
  for item in items(secretSettings): {
    name: item.key
    value: '@Microsoft.KeyVault(VaultName=${vaultName};SecretName=${item.value})'
  }
]
var plainSettings = [
  for item in items(settings): {
    name: item.key
    value: item.value
  }
]

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  //checkov:skip=CKV_AZURE_225:Zone redundancy is chosen per environment (appZoneRedundant: true in production); a test environment does not pay for it.
  name: 'asp-${baseName}'
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: skuName
    capacity: instanceCount
  }
  properties: {
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  //checkov:skip=CKV_AZURE_17:Client certificates stay off: Bot Service does not present one; every request carries a Bot Framework token the app validates.
  //checkov:skip=CKV_AZURE_222:Public network access stays on: Bot Service reaches /api/messages over the internet (HTTPS only, token-checked).
  //checkov:skip=CKV_AZURE_212:Instances are set on the plan (appInstanceCount, 2+ in production), not by per-app numberOfWorkers.
  name: siteName
  location: location
  tags: tags
  kind: 'app,linux,container'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    virtualNetworkSubnetId: appSubnetId
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      linuxFxVersion: 'DOCKER|${registryServer}/${image}'
      acrUseManagedIdentityCreds: true
      acrUserManagedIdentityID: identityClientId
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      remoteDebuggingEnabled: false
      healthCheckPath: '/readyz'
      vnetRouteAllEnabled: true
      detailedErrorLoggingEnabled: true
      httpLoggingEnabled: true
      requestTracingEnabled: true
      appSettings: concat(plainSettings, vaultReferences, [
        {
          name: 'AZURE_CLIENT_ID'
          value: identityClientId
        }
        {
          name: 'WEBSITES_PORT'
          value: '3978'
        }
        {
          name: 'WEBSITES_ENABLE_APP_SERVICE_STORAGE'
          value: 'false'
        }
        {
          name: 'WEBSITE_HEALTHCHECK_MAXPINGFAILURES'
          value: '5'
        }
      ])
    }
  }
}

// Basic-auth publishing (FTP and the SCM site) off: deployments use Entra identities only.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource logs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: site
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'AppServiceConsoleLogs'
        enabled: true
      }
      {
        category: 'AppServiceHTTPLogs'
        enabled: true
      }
      {
        category: 'AppServicePlatformLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

// /readyz every five minutes from UK South, UK West and North Europe.
resource readiness 'Microsoft.Insights/webtests@2022-06-15' = {
  name: 'readyz-${baseName}'
  location: location
  tags: union(tags, {
    'hidden-link:${insightsId}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: 'readyz-${baseName}'
    Name: 'Step Up Bot /readyz'
    Enabled: true
    Frequency: 300
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    Locations: [
      {
        Id: 'emea-ru-msa-edge' // UK South
      }
      {
        Id: 'emea-se-sto-edge' // UK West
      }
      {
        Id: 'emea-gb-db3-azr' // North Europe
      }
    ]
    Request: {
      RequestUrl: 'https://${site.properties.defaultHostName}/readyz'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 14
    }
  }
}

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${baseName}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'stepup'
    enabled: true
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource notReady 'Microsoft.Insights/metricAlerts@2018-03-01' = if (!empty(alertEmail)) {
  name: 'alert-readyz-${baseName}'
  location: 'global'
  tags: union(tags, {
    'hidden-link:${insightsId}': 'Resource'
    'hidden-link:${readiness.id}': 'Resource'
  })
  properties: {
    description: 'Step Up Bot is not ready (/readyz failing) from two or more locations.'
    severity: 1
    enabled: true
    scopes: [
      readiness.id
      insightsId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: readiness.id
      componentId: insightsId
      failedLocationCount: 2
    }
    actions: [
      {
        actionGroupId: operators.id
      }
    ]
  }
}

output hostName string = site.properties.defaultHostName
output name string = site.name
