// Log Analytics (every resource's diagnostics) and workspace-based Application Insights.

@description('Azure region.')
param location string

@description('Name stem, e.g. stepup-test.')
param baseName string

@description('Days to keep logs.')
@minValue(30)
@maxValue(730)
param retentionDays int

param tags object

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${baseName}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionDays
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${baseName}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: false
    RetentionInDays: retentionDays
  }
}

output workspaceId string = workspace.id
output insightsId string = insights.id
// Its name, not its connection string: that goes to Key Vault (modules/insights-secret.bicep).
output insightsName string = insights.name
