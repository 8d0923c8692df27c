using AftercareNudge.IntegrationTests.Infrastructure;

// Azurite and the Prism mocks start once for the whole test assembly, and stop after it.
[assembly: AssemblyFixture(typeof(AzuriteFixture))]
[assembly: AssemblyFixture(typeof(PrismFixture))]

// Chromium for the browser tests: launched on the first test that needs it.
[assembly: AssemblyFixture(typeof(AftercareNudge.IntegrationTests.Browser.ChromiumFixture))]
