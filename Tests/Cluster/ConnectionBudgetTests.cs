using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansChat.Grains.Hosting;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.Storage;
using Xunit.Abstractions;

namespace OrleansChat.Tests.Cluster;

/// <summary>
/// Issue 15's failure, against a server that makes it easy to hit: PostgreSQL with <c>max_connections=40</c>, two silos
/// with grain state and the message log in it, 1,000 concurrent room joins (100 rooms of 10, then all into one room)
/// and 1,000 concurrent sends. With Npgsql's default pools (100 each) this fails with <c>53300 too many clients</c>;
/// with pools sized by the budget every call succeeds: the excess waits in Npgsql's pools. The server's connections
/// are sampled throughout and must never exceed the budget, and its log must show no refused connection.
/// </summary>
public sealed class ConnectionBudgetTests(ITestOutputHelper output)
{
    private const int MaxConnections = 40;
    private const int SuperuserReservedConnections = 3; // PostgreSQL's default: not for ordinary roles
    private const int Silos = 2;
    private const int StoragePool = 8;
    private const int LogPool = 6;
    private const int MigratePool = 1; // PostgresSchemaMigrator's one connection (closed once it is done, here)
    private const int SamplerPool = 1;
    private const int AdminPool = 1; // the harness's CREATE DATABASE connection, pooled: the formula's admin headroom
    private const int Users = 1000;
    private const int SpreadRooms = 100;

    /// <summary>The deploy formula of docs/deploy.md, for two silo processes: what this test configures must fit it.</summary>
    private const int FormulaBudget = (Silos * (StoragePool + LogPool)) + MigratePool + SamplerPool + AdminPool;

    /// <summary>
    /// What this process can really open: the two silos share ONE storage pool (Npgsql keys a plain connection string's pool
    /// per process, and both silos are given the same string), while each silo's <see cref="PostgresChatDatabase"/> is a
    /// data source of its own.
    /// </summary>
    private const int InProcessBudget = StoragePool + (Silos * LogPool) + MigratePool + SamplerPool + AdminPool;

    [Fact]
    public async Task A_thousand_joins_and_sends_all_succeed_on_a_forty_connection_server()
    {
        Assert.True(FormulaBudget <= MaxConnections - SuperuserReservedConnections,
            $"the test's pools ({FormulaBudget}) must fit the server ({MaxConnections} - {SuperuserReservedConnections} reserved)");
        using var server = new PostgresServer { Settings = [$"max_connections={MaxConnections}"] };
        await server.InitializeAsync();
        var database = await StorageTestDatabase.NewMigratedAsync(server, "budget");
        var elapsed = Stopwatch.StartNew();
        await using var sampler = await ConnectionSampler.StartAsync(Named(database, "budget-sampler"));
        var cluster = await StartClusterAsync(database);
        var (peak, peaks) = (0, new Dictionary<string, int>());
        try
        {
            await using var gateway = new TestGateway(cluster.Client, renew: false, TimeSpan.FromSeconds(1));
            Assert.All(cluster.Silos.Cast<InProcessSiloHandle>(), silo =>
                Assert.Equal(LogPool, silo.SiloHost.Services.GetRequiredService<PostgresChatDatabase>().MaxPoolSize));
            var run = Guid.NewGuid().ToString("N")[..6];
            var users = Enumerable.Range(0, Users).Select(i => Names.NewProfile($"u{i}-{run}")).ToList();
            string SpreadRoom(int i) => $"spread-{i % SpreadRooms}-{run}";
            var bigRoom = $"big-{run}";

            await Task.WhenAll(users.Select((user, i) => gateway.Join(SpreadRoom(i), user)));
            output.WriteLine($"{Users} joins over {SpreadRooms} rooms: {elapsed.Elapsed}, connections so far {sampler.Peak}");
            await Task.WhenAll(users.Select(user => gateway.Join(bigRoom, user)));
            output.WriteLine($"{Users} joins into one room: {elapsed.Elapsed}, connections so far {sampler.Peak}");
            var receipts = await Task.WhenAll(users.Select((user, i) =>
                gateway.Room(SpreadRoom(i)).Send(user, $"m-{user.Id}", new TextBody("hello"))));
            (peak, peaks) = (sampler.Peak, sampler.PeakByApplication());
            output.WriteLine($"{Users} sends: {elapsed.Elapsed}, peak connections {peak}: {string.Join(", ", peaks)}");

            Assert.Equal(Users, (await gateway.Room(bigRoom).GetMembers(users[0].Id)).Count);
            Assert.All(Enumerable.Range(0, SpreadRooms), r =>
                Assert.Equal(Enumerable.Range(1, Users / SpreadRooms).Select(s => (long)s),
                    receipts.Where(receipt => receipt.Conv == ConversationId.ForRoom(SpreadRoom(r))).Select(receipt => receipt.Seq).Order()));
            Assert.Equal(Users, await CountMessagesAsync(database));
        }
        finally
        {
            await StorageTestDatabase.StopAsync(cluster);
        }

        // Sampled before the count above opened a connection of its own.
        Assert.True(peak <= InProcessBudget, $"{peak} server connections at the peak, budget {InProcessBudget}: {string.Join(", ", peaks)}");
        Assert.True(peaks.GetValueOrDefault("budget-storage") <= StoragePool, $"storage pool: {string.Join(", ", peaks)}");
        Assert.True(peaks.GetValueOrDefault("budget-log") <= Silos * LogPool, $"log pools: {string.Join(", ", peaks)}");
        // Demand outran the storage pool (1,000 user activations read at once), so calls did wait for a connection.
        Assert.Equal(StoragePool, peaks.GetValueOrDefault("budget-storage"));
        Assert.DoesNotContain("too many clients", server.ReadServerLog(), StringComparison.OrdinalIgnoreCase);
    }

    private static string Named(string connectionString, string application) =>
        new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = application }.ConnectionString;

    private static async Task<TestCluster> StartClusterAsync(string database)
    {
        var builder = new TestClusterBuilder(Silos);
        builder.Options.ServiceId = "orleanschat-budget-tests";
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:Postgres:ConnectionString"] = Named(database, "budget-storage"),
            ["Storage:Postgres:MaxPoolSize"] = $"{StoragePool}",
            ["MessageLog:Provider"] = "Postgres",
            ["MessageLog:Postgres:ConnectionString"] = Named(database, "budget-log"),
            ["MessageLog:Postgres:MaxPoolSize"] = $"{LogPool}",
        }));
        builder.AddSiloBuilderConfigurator<ChatGrainsFromConfiguration>();
        builder.AddClientBuilderConfigurator<PatientClient>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static async Task<long> CountMessagesAsync(string database)
    {
        await using var connection = new NpgsqlConnection(Named(database, "budget-check"));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM chat_messages", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The one room's 1,000 joins queue in one grain, each rewriting the whole member blob (issue 15's O(N) join): on a
    /// loaded 2-core machine the last ones can wait past Orleans' default 30 s response timeout. This test is about
    /// connections, and every call may wait as long as it needs, so calls get a longer timeout here.
    /// </summary>
    private static readonly TimeSpan PatientResponseTimeout = TimeSpan.FromMinutes(2);

    public sealed class ChatGrainsFromConfiguration : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = PatientResponseTimeout);
            siloBuilder.AddChatGrains(siloBuilder.Configuration);
        }
    }

    public sealed class PatientClient : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = PatientResponseTimeout);
    }

    /// <summary>Polls pg_stat_activity on one connection of its own and keeps the highest counts seen.</summary>
    private sealed class ConnectionSampler : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly CancellationTokenSource _stop = new();
        private readonly Dictionary<string, int> _peakByApplication = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();
        private Task _loop = Task.CompletedTask;
        private int _peak;

        private ConnectionSampler(NpgsqlConnection connection) => _connection = connection;

        public int Peak
        {
            get
            {
                lock (_lock)
                {
                    return _peak;
                }
            }
        }

        public static async Task<ConnectionSampler> StartAsync(string connectionString)
        {
            var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            var sampler = new ConnectionSampler(connection);
            await sampler.SampleAsync(CancellationToken.None);
            sampler._loop = sampler.LoopAsync();
            return sampler;
        }

        public Dictionary<string, int> PeakByApplication()
        {
            lock (_lock)
            {
                return new Dictionary<string, int>(_peakByApplication, StringComparer.Ordinal);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            await _connection.DisposeAsync();
            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    await SampleAsync(_stop.Token);
                    await Task.Delay(10, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }

        private async Task SampleAsync(CancellationToken cancellationToken)
        {
            await using var query = new NpgsqlCommand(
                "SELECT application_name, count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1",
                _connection);
            var total = 0;
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    counts[reader.GetString(0)] = reader.GetInt32(1);
                    total += reader.GetInt32(1);
                }
            }

            lock (_lock)
            {
                _peak = Math.Max(_peak, total);
                foreach (var (application, count) in counts)
                {
                    _peakByApplication[application] = Math.Max(_peakByApplication.GetValueOrDefault(application), count);
                }
            }
        }
    }
}
