namespace OrleansChat.Model;

/// <summary>The error codes of protocol v1; the wire spells them in snake_case.</summary>
[GenerateSerializer]
public enum ChatErrorCode
{
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    RateLimited,
    TooLarge,
    Conflict,
    Internal,

    /// <summary>Try again shortly: the gateway is shutting down (HTTP 503 on the upgrade; connect again), or a service it depends on (WeChat's API, say) failed or did not answer in time.</summary>
    Unavailable,
}

/// <summary>
/// A refusal a grain returns to the gateway (not a fault): the gateway turns it into an <c>error</c> frame with
/// <see cref="Code"/> and the message, and the connection goes on.
/// </summary>
[GenerateSerializer]
public sealed class ChatException : Exception
{
    public ChatException()
    {
    }

    public ChatException(string message)
        : base(message)
    {
    }

    public ChatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ChatException(ChatErrorCode code, string message)
        : base(message) => Code = code;

    [Id(0)]
    public ChatErrorCode Code { get; private set; } = ChatErrorCode.Internal;

    public static ChatException Forbidden(string message) => new(ChatErrorCode.Forbidden, message);

    public static ChatException NotFound(string message) => new(ChatErrorCode.NotFound, message);

    public static ChatException Conflict(string message) => new(ChatErrorCode.Conflict, message);

    public static ChatException BadRequest(string message) => new(ChatErrorCode.BadRequest, message);
}
