// AftercareNudge on Azure Functions Flex Consumption, in one resource group.
//
// The app reaches storage, Key Vault and Application Insights with its system-assigned identity
// only: the storage account refuses shared keys, Application Insights refuses instrumentation-key
// ingestion, and every secret is a Key Vault reference. README.md ("Deploying") has the commands.

targetScope = 'resourceGroup'

@description('Base of every resource name: lower-case letters and digits, starting with a letter.')
@minLength(3)
@maxLength(12)
param name string = 'aftercare'

@description('Azure region for every resource; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Most instances the app may scale out to (Flex Consumption allows 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Instances kept warm for the send function (SendCheckIn), so that a check-in never waits for a cold start: Flex Consumption scales queue-triggered functions on instances of their own.')
@minValue(0)
@maxValue(10)
param sendAlwaysReady int = 1

@description('Prefix of the app\'s tables and of its send queue (Storage__TablePrefix): a letter, then letters and digits. Not empty: the send function\'s trigger resolves %Storage:TablePrefix%, and a platform that drops an empty setting would leave it unloaded. Keep it once the app holds data: another prefix is another, empty set of tables.')
@minLength(1)
@maxLength(30)
param tablePrefix string = 'app'

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Key Vault purge protection: deleted secrets cannot be purged before the retention ends. Once on, it cannot be turned off.')
param keyVaultPurgeProtection bool = true

@description('Days a deleted Key Vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Days Log Analytics keeps the logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Twilio account SID (AC followed by 32 hexadecimal characters).')
param twilioAccountSid string

@description('Twilio auth token: sends the messages and verifies Twilio\'s webhook signatures. Stored in Key Vault.')
@secure()
param twilioAuthToken string

@description('The sending number in E.164 (+14155550123). Set this or twilioMessagingServiceSid, not both.')
param twilioFrom string = ''

@description('A Twilio Messaging Service SID (MG...). Set this or twilioFrom, not both.')
param twilioMessagingServiceSid string = ''

@description('The countries whose numbers the service texts, ISO 3166 alpha-2, comma-separated (GB,IE). Empty: the country of twilioFrom; required with twilioMessagingServiceSid.')
param messagingAllowedCountries string = ''

@description('SendGrid API key with Mail Send permission. Stored in Key Vault.')
@secure()
param sendGridApiKey string

@description('The verified SendGrid sender, optionally with a name: AftercareNudge <care@example.com>.')
param sendGridFrom string

@description('How people reach whoever runs the service (an email address, URL or phone, at most 40 characters): HELP answers with it.')
@maxLength(40)
param serviceContact string

@description('The signed event webhook\'s verification key from SendGrid (Base64). Empty until the webhook is set up: until then the webhook answers 403.')
param sendGridEventWebhookPublicKey string = ''

@description('Client API keys, one per client: { clientName: key }. Client names: letters and digits only; keys at least 16 characters. Stored in Key Vault.')
@secure()
param apiKeys object

@description('Optional client webhooks (README, "Client webhooks"): { clientName: { url: \'https://…\', secret: \'…\' } }, each client one with an API key above. Secrets at least 32 characters (or whsec_ and Base64). Stored in Key Vault.')
@secure()
param webhooks object = {}

var suffix = uniqueString(resourceGroup().id, name)
var storageAccountName = take('st${toLower(name)}${suffix}', 24)
var keyVaultName = take('kv-${name}-${suffix}', 24)
var appName = 'func-${name}-${suffix}'
var deploymentContainerName = 'app-package'

// Built-in role definitions (the same GUIDs in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

// The Functions host keeps timer leases in blobs and may use queues; the app keeps its state in tables.
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

// ---------------------------------------------------------------------------------------------
// Storage: the app's tables, the host's blobs and queues, and the deployment package.

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-06-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The send queue the timer fills and SendCheckIn empties (docs/sending.md, "The send queue"), and the
// queue the host moves a message to after its last try. Named as the app names them: lower case.
var sendQueueName = toLower('${tablePrefix}sends')

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-06-01' = {
  parent: storage
  name: 'default'
}

resource sendQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = [
  for queue in [sendQueueName, '${sendQueueName}-poison']: {
    parent: queueService
    name: queue
  }
]

// ---------------------------------------------------------------------------------------------
// Monitoring: Application Insights on a Log Analytics workspace, Entra ID ingestion only.

resource logs 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: 'log-${name}-${suffix}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${name}-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

// ---------------------------------------------------------------------------------------------
// Key Vault: the secrets, read by the app's identity through Key Vault references.

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    // Key Vault refuses `false` here: leave it unset to keep purge protection off.
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource twilioAuthTokenSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = {
  parent: vault
  name: 'twilio-auth-token'
  properties: {
    value: twilioAuthToken
  }
}

resource sendGridApiKeySecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = {
  parent: vault
  name: 'sendgrid-api-key'
  properties: {
    value: sendGridApiKey
  }
}

resource apiKeySecrets 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = [
  for client in items(apiKeys): {
    parent: vault
    name: 'api-key-${client.key}'
    properties: {
      value: client.value
    }
  }
]

// ---------------------------------------------------------------------------------------------
// The function app: Flex Consumption, the .NET isolated worker runtime, system-assigned identity.

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-${name}-${suffix}'
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: sendAlwaysReady == 0 ? [] : [
          {
            name: 'function:SendCheckIn'
            instanceCount: sendAlwaysReady
          }
        ]
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
  dependsOn: [
    deploymentContainer
    sendQueues
  ]
}

// ---------------------------------------------------------------------------------------------
// What the app's identity may do: data access on this storage account, metrics on this
// Application Insights, and reading secrets in this vault. Nothing at resource-group scope.

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, app.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: app.identity.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, app.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, app.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------
// App settings, written once the identity holds its roles so that the Key Vault references and
// the storage connection resolve on the first start. Flex takes the runtime from
// functionAppConfig: no FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION,
// WEBSITE_RUN_FROM_PACKAGE, WEBSITE_CONTENTSHARE, WEBSITE_TIME_ZONE, TZ or linuxFxVersion.

var baseUrl = 'https://${app.properties.defaultHostName}'

resource webhookSecrets 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = [
  for client in items(webhooks): {
    parent: vault
    name: 'webhook-secret-${client.key}'
    properties: {
      value: client.value.secret
    }
  }
]

var keyVaultReference = '@Microsoft.KeyVault(SecretUri={0})'

var coreSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
  Public__BaseUrl: baseUrl
  Twilio__AccountSid: twilioAccountSid
  Twilio__AuthToken: format(keyVaultReference, twilioAuthTokenSecret.properties.secretUri)
  SendGrid__ApiKey: format(keyVaultReference, sendGridApiKeySecret.properties.secretUri)
  SendGrid__From: sendGridFrom
  Service__Contact: serviceContact
  // The send function's trigger names its queue %Storage:TablePrefix%sends.
  Storage__TablePrefix: tablePrefix
  // The app serves the site's root (host.json's routePrefix is empty): not the host's own home page,
  // which it shows at / wherever no function runs unless this is true (then a bare 204).
  AzureWebJobsDisableHomepage: 'true'
}

// Settings left empty are left out: the app reads an empty sender as a second sender.
var optionalSettings = union(
  empty(twilioFrom) ? {} : { Twilio__From: twilioFrom },
  empty(twilioMessagingServiceSid) ? {} : { Twilio__MessagingServiceSid: twilioMessagingServiceSid },
  empty(messagingAllowedCountries) ? {} : { Messaging__AllowedCountries: messagingAllowedCountries },
  empty(sendGridEventWebhookPublicKey) ? {} : { SendGrid__EventWebhookPublicKey: sendGridEventWebhookPublicKey }
)

// The vault's URL is known before it exists, so each client's reference can be written from its name.
var vaultUrl = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}'
var apiKeySettings = toObject(
  items(apiKeys),
  client => 'Api__Keys__${client.key}',
  client => format(keyVaultReference, '${vaultUrl}/secrets/api-key-${client.key}')
)

// A client's webhook: its URL as it is, its secret as a Key Vault reference.
var webhookSettings = reduce(items(webhooks), {}, (all, client) => union(all, {
  'Api__Webhooks__${client.key}__Url': client.value.url
  'Api__Webhooks__${client.key}__Secret': format(keyVaultReference, '${vaultUrl}/secrets/webhook-secret-${client.key}')
}))

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: union(coreSettings, optionalSettings, apiKeySettings, webhookSettings)
  dependsOn: [
    apiKeySecrets
    webhookSecrets
    storageRoleAssignments
    metricsPublisher
    secretsUser
  ]
}

// ---------------------------------------------------------------------------------------------

@description('The function app\'s name, for az functionapp deployment source config-zip.')
output appName string = app.name

@description('The app\'s URL (Public__BaseUrl).')
output appUrl string = baseUrl

// The fragment is Twilio's connection overrides (TwilioWebhooks.InboundSmsConnectionOverrides): retry a
// 5xx, a timeout or a failed connection, so that a STOP sent while storage is down is not lost.
@description('Twilio console: Messaging > "A message comes in" webhook, HTTP POST. Paste it whole: the #… part tells Twilio to retry.')
output twilioSmsWebhookUrl string = '${baseUrl}/api/twilio/sms#ct=5000&rt=10000&tt=15000&rc=5&rp=ct,rt,5xx'

@description('SendGrid: Settings > Mail Settings > Event Webhook, Post URL.')
output sendGridEventWebhookUrl string = '${baseUrl}/api/sendgrid/events'

@description('The Key Vault holding the secrets.')
output keyVaultName string = vault.name
