// Application Insights' connection string, copied from the resource into Key Vault.
//
// The app reads it through a Key Vault reference, like every other secret: it is never a plain
// app setting (readable by anyone who may read the web app's configuration) nor a deployment
// output (kept in the resource group's deployment history).

@description('Key Vault that holds the app\'s secrets.')
param vaultName string

@description('The Application Insights component.')
param insightsName string

@description('Name of the secret to write.')
param secretName string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: insightsName
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  //checkov:skip=CKV_AZURE_41:No expiry on purpose: the connection string changes only with the component; an expired secret would silently stop telemetry.
  parent: vault
  name: secretName
  properties: {
    value: insights.properties.ConnectionString
    contentType: 'text/plain'
    attributes: {
      enabled: true
    }
  }
}

output secretName string = secret.name
