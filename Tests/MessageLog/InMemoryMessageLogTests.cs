using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.InMemory;


namespace OrleansChat.Tests.MessageLog;

public sealed class InMemoryMessageLogTests : MessageLogConformanceTests
{
    protected override Task<IMessageLog> CreateLogAsync() => Task.FromResult<IMessageLog>(new InMemoryMessageLog());
}
