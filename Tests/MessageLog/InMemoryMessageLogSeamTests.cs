using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.InMemory;


namespace OrleansChat.Tests.MessageLog;

/// <summary>
/// The whole contract again with 64-byte arena chunks (most messages cross into a new chunk, some need their own)
/// and one idempotency hash for every (sender, client id): every resend lookup meets collisions it must see through.
/// </summary>
public sealed class InMemoryMessageLogSeamTests : MessageLogConformanceTests
{
    protected override Task<IMessageLog> CreateLogAsync() =>
        Task.FromResult<IMessageLog>(new InMemoryMessageLog(chunkSize: 64, idempotencyKey: (_, _) => 42));
}
