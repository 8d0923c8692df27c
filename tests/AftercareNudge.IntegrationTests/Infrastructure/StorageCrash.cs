using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// The app dying half way, from the outside: armed, it lets a given number of storage requests through
/// and then fails every one after (as if the process had stopped there), until disarmed. It sits in the
/// Table client's pipeline, so the app's code knows nothing of it. Register <see cref="Options"/> in a
/// test's services.
/// </summary>
internal sealed class StorageCrash : HttpPipelinePolicy
{
    private volatile bool _armed;
    private int _allowed;
    private int _seen;

    public TableClientOptions Options
    {
        get
        {
            var options = AftercareNudge.Storage.StorageExtensions.DefaultClientOptions();
            options.AddPolicy(this, HttpPipelinePosition.PerCall);
            return options;
        }
    }

    public void Arm(int allowed)
    {
        _allowed = allowed;
        Volatile.Write(ref _seen, 0);
        _armed = true;
    }

    public void Disarm() => _armed = false;

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Check();
        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Check();
        ProcessNext(message, pipeline);
    }

    private void Check()
    {
        if (_armed && Interlocked.Increment(ref _seen) > _allowed)
        {
            throw new RequestFailedException(503, "The app died here (a test's simulated crash).");
        }
    }
}
