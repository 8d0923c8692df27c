namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// A test class with one app of the default configuration on Azurite, built for each test (xunit makes
/// a new instance per test) and disposed after it. Classes whose app is configured differently keep their own.
/// </summary>
public abstract class AppTest(AzuriteFixture azurite) : IAsyncDisposable
{
    protected AppFactory App { get; } = new(azurite);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return App.DisposeAsync();
    }
}
