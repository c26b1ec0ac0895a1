namespace OrleansChat.Gateway.Media.Upload;

/// <summary>An upload refused with an HTTP status (413, 415, 400) and a message for the client; nothing is stored.</summary>
public sealed class MediaRefusedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static MediaRefusedException TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, message);

    public static MediaRefusedException Unsupported(string message) => new(StatusCodes.Status415UnsupportedMediaType, message);

    public static MediaRefusedException Invalid(string message) => new(StatusCodes.Status400BadRequest, message);
}
