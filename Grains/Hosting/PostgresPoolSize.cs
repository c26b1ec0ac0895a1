using Npgsql;

namespace OrleansChat.Grains.Hosting;

/// <summary>
/// Caps one Npgsql pool. Npgsql's default pool (100 connections) equals PostgreSQL's stock <c>max_connections</c>,
/// so two default pools in one silo can take every server connection and refuse the rest with <c>53300</c>; a
/// bounded pool makes the excess wait inside Npgsql instead (up to the connection string's <c>Timeout</c>,
/// 15 s by default) and take the next connection given back. Budget: docs/deploy.md, "Connection budget".
/// </summary>
public static class PostgresPoolSize
{
    /// <summary>Npgsql's keyword for the pool size (Npgsql refuses the SQL Server spelling <c>Max Pool Size</c>).</summary>
    public const string Keyword = "Maximum Pool Size";

    /// <summary>
    /// The connection string with its pool capped. The size is <paramref name="maxPoolSize"/> (the option); when the
    /// option is not set, a <c>Maximum Pool Size</c> stated in the connection string; when neither,
    /// <paramref name="defaultSize"/>. Both set to different values is refused rather than guessed at, and so is
    /// <c>Pooling=false</c>, which opens a new server connection per use, without bound.
    /// </summary>
    /// <param name="section">The configuration section, for the error message (e.g. <c>Storage:Postgres</c>).</param>
    /// <exception cref="ArgumentException">The settings cannot give a bounded pool.</exception>
    public static string Apply(string connectionString, int? maxPoolSize, int defaultSize, string section)
    {
        var builder = Parse(connectionString, section);
        if (!builder.Pooling)
        {
            throw new ArgumentException($"{section}:ConnectionString turns pooling off (Pooling=false): every query would open a "
                + "new server connection, without bound. Remove it and size the pool with " + section + ":MaxPoolSize.");
        }

        var stated = StatedSize(builder);
        var size = Resolve(maxPoolSize, stated, defaultSize, section);
        if (builder.MinPoolSize > size)
        {
            throw new ArgumentException($"{section}: the connection string's Minimum Pool Size ({builder.MinPoolSize}) "
                + $"exceeds the pool size ({size}).");
        }

        builder.MaxPoolSize = size;
        return builder.ConnectionString;
    }

    /// <summary>The pool size <see cref="Apply"/> gives, read back from a connection string it returned.</summary>
    public static int Of(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).MaxPoolSize;

    private static int Resolve(int? option, int? stated, int defaultSize, string section)
    {
        if (option is { } size && stated is { } inString && size != inString)
        {
            throw new ArgumentException($"{section}:MaxPoolSize is {size} but {section}:ConnectionString states "
                + $"{Keyword}={inString}: give the pool size in one place ({section}:MaxPoolSize, preferred).");
        }

        var chosen = option ?? stated ?? defaultSize;
        if (chosen < 1)
        {
            throw new ArgumentException($"{section}:MaxPoolSize must be at least 1, not {chosen}.");
        }

        return chosen;
    }

    /// <summary>What the connection string itself says, under any of Npgsql's spellings, or null.</summary>
    private static int? StatedSize(NpgsqlConnectionStringBuilder builder)
    {
        var size = builder.MaxPoolSize;
        // Remove answers whether the keyword (or a synonym) was present, and resets the property: on a copy.
        var copy = new NpgsqlConnectionStringBuilder(builder.ConnectionString);
        return copy.Remove(Keyword) ? size : null;
    }

    private static NpgsqlConnectionStringBuilder Parse(string connectionString, string section)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            throw new ArgumentException($"{section}:ConnectionString is not a valid Npgsql connection string: {e.Message}", e);
        }
    }
}
