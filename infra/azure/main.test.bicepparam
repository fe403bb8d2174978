// Test environment. Secrets come from the deploying shell's environment, never from this file:
//   export STEPUP_BOT_APP_PASSWORD=... STEPUP_PG_ADMIN_PASSWORD=... STEPUP_PG_APP_PASSWORD=...
//   export STEPUP_ENCRYPTION_KEYS=... STEPUP_HMAC_KEY=...
//   export STEPUP_GRAPH_CLIENT_SECRET=...   (only for a separate Graph app registration)
//   az deployment group create -g rg-stepup-test -f infra/azure/main.bicep \
//     -p infra/azure/main.test.bicepparam
using './main.bicep'

param environmentName = 'test'
param namePrefix = 'stepup'
param tags = {
  owner: 'northdown-digital'
  'cost-centre': 'childrens-services'
}
param botAppType = 'SingleTenant'
param botAppId = '00000000-0000-0000-0000-000000000001' // replace with the bot's app registration
param botAppPassword = readEnvironmentVariable('STEPUP_BOT_APP_PASSWORD')
param botDisplayName = 'Step Up Bot (test)'
param containerImage = 'stepup-bot:1.0.0'
param profilePath = '/app/profiles/demo.yaml'
param migrateOnStart = true
param appServiceSku = 'P0v3'
param appInstanceCount = 1
param appZoneRedundant = false
param postgresAdminPassword = readEnvironmentVariable('STEPUP_PG_ADMIN_PASSWORD')
param postgresAppPassword = readEnvironmentVariable('STEPUP_PG_APP_PASSWORD')
param postgresSkuName = 'Standard_B1ms'
param postgresSkuTier = 'Burstable'
param postgresHighAvailability = 'Disabled'
param postgresBackupRetentionDays = 7
param encryptionKeys = readEnvironmentVariable('STEPUP_ENCRYPTION_KEYS')
param hmacKey = readEnvironmentVariable('STEPUP_HMAC_KEY')
param addressPrefix = '10.40.0.0/16'
param subnetPrefixes = {
  app: '10.40.1.0/24'
  postgres: '10.40.2.0/24'
  endpoints: '10.40.3.0/24'
}
param logRetentionDays = 30
// Graph: off until the permissions in docs/permissions.md are granted; then true, with the
// profile's `graph` section naming the role groups and the rota list.
param graphEnabled = false
param graphAuth = '' // managed_identity for UserAssignedMSI, else the bot's own secret
param graphClientSecret = readEnvironmentVariable('STEPUP_GRAPH_CLIENT_SECRET', '')
param graphCacheTtlSeconds = 900
param alertEmail = ''
