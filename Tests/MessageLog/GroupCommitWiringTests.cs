using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.GroupCommit;
using OrleansChat.Grains.MessageLog.InMemory;

namespace OrleansChat.Tests.MessageLog;

/// <summary>How hosting puts group commit in front of the durable logs, and only them (nothing here connects anywhere).</summary>
public sealed class GroupCommitWiringTests
{
    [Fact]
    public async Task A_postgres_log_is_group_committed_and_the_in_memory_log_is_not()
    {
        await using (var postgres = Build(("MessageLog:Provider", "Postgres")))
        {
            Assert.IsType<GroupCommitMessageLog>(postgres.GetRequiredService<IMessageLog>());
        }

        await using (var mongo = Build(("MessageLog:Provider", "MongoDB")))
        {
            Assert.IsType<GroupCommitMessageLog>(mongo.GetRequiredService<IMessageLog>());
        }

        await using var inMemory = Build(("MessageLog:Provider", "InMemory"));
        Assert.IsType<InMemoryMessageLog>(inMemory.GetRequiredService<IMessageLog>());
    }

    [Fact]
    public async Task Settings_that_cannot_work_are_refused_and_ones_that_can_are_bound()
    {
        await using var refused = Build(("MessageLog:Provider", "Postgres"), ("MessageLog:GroupCommit:MaxBatchMessages", "5000"));
        await using var bound = Build(("MessageLog:Provider", "Postgres"), ("MessageLog:GroupCommit:Lanes", "8"), ("MessageLog:GroupCommit:MaxBatchMessages", "4000"));

        Assert.Throws<OptionsValidationException>(() => refused.GetRequiredService<IOptions<GroupCommitOptions>>().Value);
        var options = bound.GetRequiredService<IOptions<GroupCommitOptions>>().Value;
        Assert.Equal((8, 4000, 4096), (options.Lanes, options.MaxBatchMessages, options.MaxQueuedMessages));
    }

    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))
                .Append(new("MessageLog:Postgres:ConnectionString", "Host=127.0.0.1;Port=1;Database=none"))
                .Append(new("MessageLog:Mongo:ConnectionString", "mongodb://127.0.0.1:1")))
            .Build();
        var services = new ServiceCollection();
        ChatSiloExtensions.AddMessageLog(services, configuration);
        return services.BuildServiceProvider();
    }
}
