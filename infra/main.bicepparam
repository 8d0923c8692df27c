// Parameters for `az deployment group create --resource-group <rg> --parameters infra/main.bicepparam`.
// Values that belong to you come from environment variables, read on your machine when the
// command compiles this file, so no secret is written here or typed into a command line.
// README.md ("Deploying") lists them.
using 'main.bicep'

param name = readEnvironmentVariable('AFTERCARE_NAME', 'aftercare')

param maximumInstanceCount = 100

param instanceMemoryMB = 2048

param keyVaultPurgeProtection = true

param twilioAccountSid = readEnvironmentVariable('TWILIO_ACCOUNT_SID')

param twilioAuthToken = readEnvironmentVariable('TWILIO_AUTH_TOKEN')

// Exactly one of the two: a number, or a Messaging Service.
param twilioFrom = readEnvironmentVariable('TWILIO_FROM', '')

param twilioMessagingServiceSid = readEnvironmentVariable('TWILIO_MESSAGING_SERVICE_SID', '')

// The countries whose numbers are texted (GB,IE); empty: TWILIO_FROM's. Required with a Messaging Service.
param messagingAllowedCountries = readEnvironmentVariable('AFTERCARE_ALLOWED_COUNTRIES', '')

param sendGridApiKey = readEnvironmentVariable('SENDGRID_API_KEY')

param sendGridFrom = readEnvironmentVariable('SENDGRID_FROM')

// What HELP answers with: how people reach whoever runs the service.
param serviceContact = readEnvironmentVariable('AFTERCARE_CONTACT')

// Empty on the first deployment; SendGrid shows the key once its signed event webhook is on.
param sendGridEventWebhookPublicKey = readEnvironmentVariable('SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY', '')

// One line per client that calls the API with its own X-Api-Key.
param apiKeys = {
  main: readEnvironmentVariable('AFTERCARE_API_KEY')
}

// Optional: one line per client whose app is told of replies, consent changes and check-in outcomes
// (README, "Client webhooks"), for example
//   main: { url: 'https://app.example.com/hooks/aftercare', secret: readEnvironmentVariable('AFTERCARE_WEBHOOK_SECRET') }
param webhooks = {}
