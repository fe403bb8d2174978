// Step Up Bot on Azure: one resource group holding the bot registration (Teams channel), the
// container on App Service for Linux, PostgreSQL Flexible Server on a private network, Key Vault
// for every secret, a container registry, a managed identity, and Log Analytics with
// Application Insights. Deploy: see docs/deploy.md.

targetScope = 'resourceGroup'

@description('Azure region for everything except the bot registration (global).')
param location string = resourceGroup().location

@description('Environment name, part of every resource name.')
@allowed([
  'test'
  'prod'
])
param environmentName string

@description('Short name stem (lower case letters and digits).')
@minLength(3)
@maxLength(10)
param namePrefix string = 'stepup'

@description('Tags added to every resource.')
param tags object = {}

@description('SingleTenant: an Entra app registration with a client secret. UserAssignedMSI: the app managed identity is the bot (no secret to rotate).')
@allowed([
  'SingleTenant'
  'UserAssignedMSI'
])
param botAppType string = 'SingleTenant'

@description('Client id of the bot Entra app registration (SingleTenant only; ignored for UserAssignedMSI).')
param botAppId string = ''

@description('Client secret of that app registration (SingleTenant only).')
@secure()
param botAppPassword string = ''

@description('Bot display name in Azure.')
param botDisplayName string = 'Step Up Bot'

@description('Image in the registry, name:tag, e.g. stepup-bot:1.0.0.')
param containerImage string

@description('Path of the council profile inside the image.')
param profilePath string = '/app/profiles/council.yaml'

@description('Apply database migrations when the app starts (false: run `python app.py migrate` as a release step).')
param migrateOnStart bool = true

@description('App Service plan SKU (P0v3 or larger; Basic has no deployment slots or zone support).')
param appServiceSku string = 'P0v3'

@description('App instances (2 or more in production so a health-check failure can take one out).')
@minValue(1)
@maxValue(10)
param appInstanceCount int = 1

@description('Spread the app over availability zones (production; needs appInstanceCount >= 2 and a region with zones).')
param appZoneRedundant bool = false

@description('PostgreSQL server name; empty for the generated one. Set it to a restored server\'s name to move the app onto it (docs/deploy.md, restore).')
param postgresServerName string = ''

@description('PostgreSQL administrator login.')
param postgresAdminLogin string = 'stepupadmin'

@description('PostgreSQL administrator password.')
@secure()
@minLength(16)
param postgresAdminPassword string

@description('Login the app connects as: a least-privilege member of stepup_app, created by `app.py migrate` (docs/deploy.md).')
param postgresAppLogin string = 'stepup_runtime'

@description('Password of postgresAppLogin. Required: the app never connects as the administrator (the tables\' owner, which could switch off the audit trail\'s triggers).')
@secure()
@minLength(16)
param postgresAppPassword string

@description('PostgreSQL compute SKU, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param postgresSkuName string = 'Standard_B1ms'

@description('PostgreSQL tier matching the SKU.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@description('PostgreSQL high availability (not available on Burstable).')
@allowed([
  'Disabled'
  'ZoneRedundant'
  'SameZone'
])
param postgresHighAvailability string = 'Disabled'

@description('Days of point-in-time restore.')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 35

@description('Database storage (GB); it grows automatically.')
param postgresStorageGB int = 32

@description('Field-encryption key ring STEPUP_ENCRYPTION_KEYS ("id:base64key,...", current key first).')
@secure()
param encryptionKeys string

@description('Keyed-hash key STEPUP_HMAC_KEY (base64, 32 bytes or more).')
@secure()
param hmacKey string

@description('Read people, roles, the duty rota and out of office from Microsoft Graph, and hide posts with family data where the tenant allows it (docs/permissions.md). false: all of it from the council profile.')
param graphEnabled bool = false

@description('How the app signs in to Graph. managed_identity: the template\'s identity (no secret; grant it the Graph app roles). secret: an app registration\'s client secret. certificate: a certificate file in the container. Empty: managed_identity for a UserAssignedMSI bot, secret (the bot\'s own app registration) for SingleTenant.')
@allowed([
  ''
  'managed_identity'
  'secret'
  'certificate'
])
param graphAuth string = ''

@description('Client id of the app registration Graph signs in as (secret or certificate); empty: the bot app id. Not used with managed_identity.')
param graphClientId string = ''

@description('Client secret for Graph (graphAuth secret); empty: the bot\'s own secret (MicrosoftAppPassword). Stored in Key Vault.')
@secure()
param graphClientSecret string = ''

@description('Certificate file (PEM or PKCS12) inside the container (graphAuth certificate), e.g. /var/ssl/private/<thumbprint>.p12 loaded by App Service.')
param graphCertificatePath string = ''

@description('Password of that certificate file, if it has one. Stored in Key Vault.')
@secure()
param graphCertificatePassword string = ''

@description('Seconds people, roles and the rota are served from memory before they are read from Graph again.')
@minValue(60)
@maxValue(86400)
param graphCacheTtlSeconds int = 900

@description('Address space of the virtual network (a range the council does not use elsewhere).')
param addressPrefix string = '10.40.0.0/16'

@description('Three /24 subnets inside addressPrefix: app, PostgreSQL, private endpoints.')
param subnetPrefixes object = {
  app: '10.40.1.0/24'
  postgres: '10.40.2.0/24'
  endpoints: '10.40.3.0/24'
}

@description('Days to keep logs in Log Analytics.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

@description('E-mail told when /readyz fails; empty for no alert.')
param alertEmail string = ''

var baseName = '${namePrefix}-${environmentName}'
var suffix = uniqueString(resourceGroup().id)
var allTags = union(tags, {
  application: 'step-up-bot'
  environment: environmentName
})
var databaseName = 'stepup'
var siteName = 'app-${baseName}-${suffix}'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    baseName: baseName
    retentionDays: logRetentionDays
    tags: allTags
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    location: location
    baseName: baseName
    tags: allTags
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    location: location
    baseName: baseName
    tags: allTags
    addressPrefix: addressPrefix
    appSubnetPrefix: subnetPrefixes.app
    postgresSubnetPrefix: subnetPrefixes.postgres
    endpointSubnetPrefix: subnetPrefixes.endpoints
    postgresDnsZoneName: '${baseName}.private.postgres.database.azure.com'
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    location: location
    tags: allTags
    name: empty(postgresServerName) ? 'psql-${baseName}-${suffix}' : postgresServerName
    administratorLogin: postgresAdminLogin
    administratorPassword: postgresAdminPassword
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    highAvailability: postgresHighAvailability
    backupRetentionDays: postgresBackupRetentionDays
    storageSizeGB: postgresStorageGB
    delegatedSubnetId: network.outputs.postgresSubnetId
    privateDnsZoneId: network.outputs.postgresDnsZoneId
    workspaceId: monitoring.outputs.workspaceId
    databaseName: databaseName
  }
}

// The administrator owns the tables and migrates; the app connects as its own login, which the
// migrate step makes a member of stepup_app (no UPDATE/DELETE/TRUNCATE on the audit trail, no DDL).
var adminDatabaseUrl = 'postgresql://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.outputs.fqdn}:5432/${databaseName}?ssl=verify-full'
var appDatabaseUrl = 'postgresql://${postgresAppLogin}:${uriComponent(postgresAppPassword)}@${postgres.outputs.fqdn}:5432/${databaseName}?ssl=verify-full'

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: allTags
    name: take('kv-${namePrefix}-${environmentName}-${suffix}', 24)
    endpointSubnetId: network.outputs.endpointSubnetId
    vaultDnsZoneId: network.outputs.vaultDnsZoneId
    appPrincipalId: identity.outputs.principalId
    workspaceId: monitoring.outputs.workspaceId
    secrets: {
      'microsoft-app-password': botAppType == 'SingleTenant' ? botAppPassword : ''
      // asyncpg verifies the server certificate against the image's CA bundle (PGSSLROOTCERT).
      'database-url': appDatabaseUrl
      'migration-database-url': adminDatabaseUrl
      'encryption-keys': encryptionKeys
      'hmac-key': hmacKey
      'graph-client-secret': graphClientSecret
      'graph-certificate-password': graphCertificatePassword
    }
  }
}

module insightsSecret 'modules/insights-secret.bicep' = {
  name: 'insights-secret'
  params: {
    vaultName: vault.outputs.name
    insightsName: monitoring.outputs.insightsName
    secretName: 'appinsights-connection-string'
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    location: location
    tags: allTags
    name: 'cr${namePrefix}${environmentName}${suffix}'
    appPrincipalId: identity.outputs.principalId
    workspaceId: monitoring.outputs.workspaceId
  }
}

var botId = botAppType == 'UserAssignedMSI' ? identity.outputs.clientId : botAppId
var graphAuthMode = !empty(graphAuth) ? graphAuth : (botAppType == 'UserAssignedMSI' ? 'managed_identity' : 'secret')
// A managed identity signs in with its own client id; an app registration with its app id.
var graphAppId = graphAuthMode == 'managed_identity' ? identity.outputs.clientId : (empty(graphClientId) ? botId : graphClientId)

module app 'modules/app.bicep' = {
  name: 'app'
  params: {
    location: location
    tags: allTags
    baseName: baseName
    siteName: siteName
    skuName: appServiceSku
    instanceCount: appInstanceCount
    zoneRedundant: appZoneRedundant
    registryServer: registry.outputs.loginServer
    image: containerImage
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    appSubnetId: network.outputs.appSubnetId
    workspaceId: monitoring.outputs.workspaceId
    insightsId: monitoring.outputs.insightsId
    vaultName: vault.outputs.name
    alertEmail: alertEmail
    settings: {
      STEPUP_MODE: 'production'
      HOST: '0.0.0.0'
      PORT: '3978'
      MicrosoftAppType: botAppType
      MicrosoftAppId: botId
      MicrosoftAppTenantId: tenant().tenantId
      STEPUP_PROFILE: profilePath
      STEPUP_MIGRATE_ON_START: string(migrateOnStart)
      LOG_LEVEL: 'INFO'
      STEPUP_GRAPH_ENABLED: string(graphEnabled)
      STEPUP_GRAPH_AUTH: graphAuthMode
      STEPUP_GRAPH_TENANT_ID: tenant().tenantId
      STEPUP_GRAPH_CLIENT_ID: graphAppId
      STEPUP_GRAPH_CERTIFICATE_PATH: graphCertificatePath
      STEPUP_GRAPH_CACHE_TTL: string(graphCacheTtlSeconds)
    }
    // Graph's secrets only when given: without a client secret Graph uses MicrosoftAppPassword.
    // Only an app that migrates on start holds the owner's URL; with migrations as a release
    // step (migrateOnStart = false) the app never sees it. (No comments inside union(): the
    // Bicep parser infra/check.sh uses cannot read them.)
    secretSettings: union(
      botAppType == 'SingleTenant' ? { MicrosoftAppPassword: 'microsoft-app-password' } : {},
      {
        DATABASE_URL: 'database-url'
        STEPUP_ENCRYPTION_KEYS: 'encryption-keys'
        STEPUP_HMAC_KEY: 'hmac-key'
        APPLICATIONINSIGHTS_CONNECTION_STRING: 'appinsights-connection-string'
      },
      migrateOnStart ? { STEPUP_MIGRATION_DATABASE_URL: 'migration-database-url' } : {},
      empty(graphClientSecret) ? {} : { STEPUP_GRAPH_CLIENT_SECRET: 'graph-client-secret' },
      empty(graphCertificatePassword) ? {} : { STEPUP_GRAPH_CERTIFICATE_PASSWORD: 'graph-certificate-password' }
    )
  }
  // Every Key Vault reference must resolve when the app first starts (the secrets module above
  // writes the others; this one is written from the Application Insights resource).
  dependsOn: [
    insightsSecret
  ]
}

module bot 'modules/bot.bicep' = {
  name: 'bot'
  params: {
    tags: allTags
    name: 'bot-${baseName}-${suffix}'
    displayName: botDisplayName
    endpoint: 'https://${app.outputs.hostName}/api/messages'
    appType: botAppType
    appId: botId
    identityId: identity.outputs.id
  }
}

@description('Host name for STEPUP_PUBLIC_HOST when building the Teams app package.')
output publicHost string = app.outputs.hostName

@description('The bot id for MicrosoftAppId when building the Teams app package.')
output botAppId string = botId

output webAppName string = app.outputs.name
output registryLoginServer string = registry.outputs.loginServer
output keyVaultName string = vault.outputs.name
output postgresHost string = postgres.outputs.fqdn
output botName string = bot.outputs.name
