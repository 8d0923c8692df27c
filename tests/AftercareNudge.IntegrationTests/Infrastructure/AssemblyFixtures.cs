using AftercareNudge.IntegrationTests.Infrastructure;

// Azurite and the Prism mocks start once for the whole test assembly, and stop after it.
[assembly: AssemblyFixture(typeof(AzuriteFixture))]
[assembly: AssemblyFixture(typeof(PrismFixture))]
