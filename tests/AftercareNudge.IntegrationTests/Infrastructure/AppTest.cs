namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// A test class whose every test has an app of its own on Azurite (xunit makes a new instance per test):
/// started on first use of <see cref="App"/> with <see cref="CreateApp"/>, which a class overrides for its
/// configuration and fakes, or chosen by a test with <see cref="UseApp"/>; disposed after the test.
/// </summary>
public abstract class AppTest(AzuriteFixture azurite) : IAsyncDisposable
{
    private AppFactory? _app;

    protected AppFactory App => _app ??= CreateApp();

    protected AzuriteFixture Azurite { get; } = azurite;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The app of this class's tests; by default the development outbox and no providers.</summary>
    protected virtual AppFactory CreateApp() => new(Azurite);

    /// <summary>This test's own app instead of <see cref="CreateApp"/>'s, chosen before anything used <see cref="App"/>.</summary>
    protected AppFactory UseApp(AppFactory app)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("This test already started its app: choose its own before using App.");
        }

        return _app = app;
    }

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
