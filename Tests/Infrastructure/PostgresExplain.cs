using Npgsql;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>The plan PostgreSQL would use for a statement (EXPLAIN), as one text, for tests that pin index use.</summary>
public static class PostgresExplain
{
    public static async Task<string> ExplainAsync(this NpgsqlDataSource dataSource, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = dataSource.CreateCommand("EXPLAIN " + sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await PlanOfAsync(command);
    }

    /// <summary>Runs an EXPLAIN command the caller prepared (its parameters bound) and joins the plan's lines.</summary>
    public static async Task<string> PlanOfAsync(NpgsqlCommand explain)
    {
        ArgumentNullException.ThrowIfNull(explain);
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
