using Microsoft.Extensions.Options;
using Npgsql;
using OrleansChat.Grains;
using OrleansChat.Grains.Conversations;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.GroupCommit;
using OrleansChat.Grains.MessageLog.Postgres;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.MessageLog;

/// <summary>
/// <see cref="GroupCommitMessageLog"/> in front of <see cref="PostgresMessageLog"/> on the run's real PostgreSQL, as hosting
/// wires it: the shared contract, fewer round trips than messages, and the pipelined sequencer writing through it.
/// Batches are counted by an ungated <see cref="GatedMessageLog"/> between the two.
/// </summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class GroupCommitPostgresMessageLogTests(PostgresServer postgres) : MessageLogConformanceTests, IAsyncLifetime
{
    private readonly MessageLogPool _pool = new(postgres);
    private GatedMessageLog? _counted;

    protected override async Task<IMessageLog> CreateLogAsync()
    {
        _counted = new GatedMessageLog(new PostgresMessageLog(await _pool.GetAsync())) { Gated = false };
        return new GroupCommitMessageLog(_counted, new GroupCommitOptions(), PostgresMessageRows.EnsureStorable);
    }

    [Fact]
    public async Task Many_concurrent_appends_go_in_far_fewer_batches_than_messages_each_conversation_in_order_without_gaps()
    {
        var log = await CreateLogAsync();
        var conversations = Enumerable.Range(0, 40).Select(_ => NewConv()).ToList();
        const int PerConversation = 25;
        var appends = new List<Task<AppendResult>>();
        for (var seq = 1; seq <= PerConversation; seq++)
        {
            appends.AddRange(conversations.Select(conv => log.AppendAsync(Message(conv, seq, $"c-{seq}", seq % 2 == 0 ? Alice : Bob))));
        }

        var results = await Task.WhenAll(appends);

        Assert.All(results, r => Assert.False(r.Duplicate));
        // 1,000 messages queued at once on 4 lanes of at most 256 a batch: a first batch per lane, then full ones.
        Assert.True(_counted!.BatchCount <= 40, $"1,000 appends took {_counted.BatchCount} round trips");
        foreach (var conv in conversations)
        {
            var stored = (await log.ReadAfterAsync(conv, 0, 100)).Messages;
            Assert.Equal(Enumerable.Range(1, PerConversation).Select(i => (long)i), stored.Select(m => m.Seq));
            Assert.Equal(Enumerable.Range(1, PerConversation).Select(i => $"c-{i}"), stored.Select(m => m.ClientId));
        }
    }

    [Fact]
    public async Task Pipelined_sends_with_resends_among_them_get_one_gap_free_seq_each_and_resume_in_seq_order()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var grain = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        var sequencer = new ConversationSequencer(conv, log, new ChatOptions { IdempotencyWindow = TimeSpan.FromMinutes(1) });
        var resumed = new List<long>(); // touched only on the grain-like scheduler, like a grain's fields

        async Task<AppendResult> Send(string clientId)
        {
            var result = await sequencer.AppendAsync(Alice, clientId, new TextBody(clientId), 1_000);
            if (!result.Duplicate)
            {
                resumed.Add(result.Message.Seq);
            }

            return result;
        }

        // 200 sends, every fifth a resend of the one before it (sent while the original may still be in flight).
        var clientIds = Enumerable.Range(0, 200).Select(i => i % 5 == 4 ? $"c-{i - 1}" : $"c-{i}").ToList();
        var sends = clientIds.Select(id => Task.Factory.StartNew(() => Send(id), CancellationToken.None, TaskCreationOptions.None, grain).Unwrap()).ToList();
        var results = await Task.WhenAll(sends);

        var originals = results.Where(r => !r.Duplicate).ToList();
        Assert.Equal(160, originals.Count);
        Assert.Equal(Enumerable.Range(1, 160).Select(i => (long)i), originals.Select(r => r.Message.Seq).Order());
        Assert.Equal(Enumerable.Range(1, 160).Select(i => (long)i), resumed);
        Assert.All(results.Where(r => r.Duplicate), dup => Assert.Equal(originals.Single(o => o.Message.ClientId == dup.Message.ClientId).Message.Seq, dup.Message.Seq));
        var stored = (await log.ReadAfterAsync(conv, 0, 500)).Messages;
        Assert.Equal(Enumerable.Range(1, 160).Select(i => (long)i), stored.Select(m => m.Seq));
        Assert.Equal(160, stored.Select(m => m.ClientId).Distinct().Count());
    }

    [Fact]
    public async Task A_resend_after_the_memory_window_gets_the_original_from_the_database_and_the_sends_behind_it_stay_gap_free()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var grain = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        var sequencer = new ConversationSequencer(conv, log, new ChatOptions { IdempotencyWindow = TimeSpan.FromMinutes(2) });
        Task<AppendResult> Send(string clientId, long nowMs) => Task.Factory.StartNew(
            () => sequencer.AppendAsync(Alice, clientId, new TextBody(clientId), nowMs), CancellationToken.None, TaskCreationOptions.None, grain).Unwrap();

        // A client resends as the SDK does: the same id again after a retriable refusal (a send queued above the
        // resend's unused seq is refused, not stored above a hole).
        async Task<AppendResult> SendUntilStored(string clientId, long nowMs)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await Send(clientId, nowMs);
                }
                catch (ChatException e) when (e.Code == ChatErrorCode.Unavailable && attempt < 5)
                {
                }
            }
        }

        var original = await Send("old", 0);
        for (var i = 1; i < 10; i++)
        {
            await Send($"c-{i}", 1_000);
        }

        // Three minutes later, past the window: the resend and 20 new sends pipelined behind it.
        const long Later = 180_000;
        var resend = SendUntilStored("old", Later);
        var fresh = Enumerable.Range(10, 20).Select(i => SendUntilStored($"c-{i}", Later)).ToList();
        var resent = await resend;
        var stored = await Task.WhenAll(fresh);

        Assert.True(resent.Duplicate);
        Assert.Equal((original.Message.Seq, original.Message.Ts), (resent.Message.Seq, resent.Message.Ts));
        Assert.All(stored, r => Assert.False(r.Duplicate));
        var messages = (await log.ReadAfterAsync(conv, 0, 100)).Messages;
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), messages.Select(m => m.Seq));
        Assert.Equal(30, messages.Select(m => m.ClientId).Distinct().Count());
    }

    [Fact]
    public async Task The_batch_insert_looks_resends_up_through_the_idempotency_index_not_a_scan()
    {
        var dataSource = await _pool.GetAsync();
        var prefix = $"room:plan{Guid.NewGuid():N}";
        await using (var fill = dataSource.CreateCommand(
            "INSERT INTO chat_messages (conv, seq, ts, from_id, from_name, client_id, body_kind, body_text) "
            + "SELECT @prefix || (n % 20), n / 20 + 1, n, 'alice', 'Alice', 'c' || n, 'text', 'x' FROM generate_series(1, 20000) AS n; "
            + "ANALYZE chat_messages;"))
        {
            fill.Parameters.AddWithValue("prefix", prefix);
            await fill.ExecuteNonQueryAsync();
        }

        await using var explain = dataSource.CreateCommand("EXPLAIN " + PostgresMessageRows.InsertBatch);
        PostgresMessageRows.BindBatch(explain, [Message(prefix + "3", 1_001, "c-new-1"), Message(prefix + "3", 1_002, "c-new-2")]);
        var text = await PostgresExplain.PlanOfAsync(explain);
        Assert.Contains(PostgresMessageRows.IdempotencyIndexName, text, StringComparison.Ordinal);
        Assert.False(text.Contains("Seq Scan on chat_messages", StringComparison.Ordinal), text);
    }

    [Fact]
    public async Task A_plan_made_while_the_table_was_tiny_still_looks_resends_up_by_index()
    {
        // The chat database's own pool (its session settings), one connection, and a copy of chat_messages as a temporary
        // table (found first on the search path) of 60 analyzed rows: where a scan is cheapest. A generic plan, as a
        // prepared statement keeps it (PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN)).
        await using var database = new PostgresChatDatabase(Options.Create(new PostgresMessageLogOptions { ConnectionString = await MessageLogDatabase.GetAsync(postgres) }));
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var setUp = new NpgsqlCommand(
            "CREATE TEMP TABLE chat_messages (LIKE public.chat_messages INCLUDING ALL); "
            + "INSERT INTO chat_messages (conv, seq, ts, from_id, from_name, client_id, body_kind, body_text) "
            + "SELECT 'p' || (n % 20), n / 20 + 1, n, 'alice', 'Alice', 'c' || n, 'text', 'x' FROM generate_series(1, 60) AS n; "
            + "ANALYZE chat_messages; SET plan_cache_mode = force_generic_plan; "
            + $"PREPARE insert_batch({string.Join(", ", BatchParameterTypes.Select(p => p.Type))}) AS {Positional(PostgresMessageRows.InsertBatch)}", connection))
        {
            await setUp.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand(
            "EXPLAIN EXECUTE insert_batch(ARRAY['p3'], ARRAY[100]::bigint[], ARRAY[1]::bigint[], ARRAY['alice'], ARRAY['Alice'], ARRAY[NULL]::text[], "
            + "ARRAY['c-new'], ARRAY['text'], ARRAY['x'], NULL, NULL, NULL, NULL, NULL, NULL)", connection);
        var plan = await PostgresExplain.PlanOfAsync(explain);

        // The copy's unique index has a name of its own; probed per row by the idempotency key, not a join over the table.
        Assert.True(plan.Contains("Index Cond: ((conv = i", StringComparison.Ordinal) && plan.Contains("AND (client_id = i", StringComparison.Ordinal), plan);
        Assert.False(plan.Contains("Seq Scan on chat_messages", StringComparison.Ordinal), plan);
    }

    /// <summary>The batch insert's parameters in the order its unnest lists them, with their types.</summary>
    private static readonly (string Name, string Type)[] BatchParameterTypes =
    [
        ("conv", "text[]"), ("seq", "bigint[]"), ("ts", "bigint[]"), ("from_id", "text[]"), ("from_name", "text[]"), ("from_avatar", "text[]"),
        ("client_id", "text[]"), ("body_kind", "text[]"), ("body_text", "text[]"), ("body_url", "text[]"), ("body_width", "int[]"),
        ("body_height", "int[]"), ("body_duration_ms", "int[]"), ("body_key_id", "text[]"), ("body_ciphertext", "bytea[]"),
    ];

    /// <summary>The statement with $1..$n for its named parameters (longest names first: @body_text before @body_t...).</summary>
    private static string Positional(string sql)
    {
        foreach (var (name, index) in BatchParameterTypes.Select((p, i) => (p.Name, i + 1)).OrderByDescending(p => p.Name.Length))
        {
            sql = sql.Replace("@" + name, "$" + index, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("@", sql, StringComparison.Ordinal);
        return sql;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _pool.CloseAsync();
}
