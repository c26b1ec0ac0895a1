namespace OrleansChat.Grains;

/// <summary>Grain-side settings (section "Chat").</summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    public TimeSpan SubscriptionExpiry { get; set; } = TimeSpan.FromSeconds(90);

    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxPageSize { get; set; } = 100;
}
