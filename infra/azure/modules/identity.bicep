// The user-assigned managed identity the app runs as: reads Key Vault, pulls the image and,
// with MicrosoftAppType=UserAssignedMSI, is also the bot's identity.

param location string
param baseName string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}'
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
