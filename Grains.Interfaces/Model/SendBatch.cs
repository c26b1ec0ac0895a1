namespace OrleansChat.Model;

/// <summary>One message of a <c>SendBatch</c>: the sender's client id (the frame's <c>id</c>) and its body.</summary>
[GenerateSerializer, Immutable]
public sealed record OutgoingMessage(string? ClientId, MessageBody Body);

/// <summary>
/// What became of one message of a batch: its <see cref="Receipt"/>, or the refusal a single send would have thrown
/// (<see cref="Error"/> and <see cref="Message"/>, for the sender). <see cref="Fault"/> names an unexpected failure
/// (exception type and message) for the gateway's log only; the sender is told <see cref="ChatErrorCode.Internal"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SendOutcome(SendReceipt? Receipt, ChatErrorCode Error, string? Message, string? Fault = null)
{
    public static SendOutcome Sent(SendReceipt receipt) => new(receipt, ChatErrorCode.Internal, null);

    public static SendOutcome Refused(ChatException refusal) => new(null, refusal.Code, refusal.Message);

    public static SendOutcome Failed(Exception fault) =>
        new(null, ChatErrorCode.Internal, "the server could not store this message; retry with the same id", $"{fault.GetType().Name}: {fault.Message}");
}
