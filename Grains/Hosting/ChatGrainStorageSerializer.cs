using Orleans.Storage;

namespace OrleansChat.Grains.Hosting;

/// <summary>
/// How the "chat" grain state is stored in PostgreSQL: Orleans' binary serializer, which writes each field under
/// its <c>[Id]</c> and writes no type name for a value of its declared type (the state classes and everything in
/// them). So renaming or moving a state class, or renaming a property, leaves stored rows readable; adding a field
/// with a new id reads old rows with the field at its default. Ids must never be reused or renumbered.
/// The provider's default (JSON with .NET type names) broke every row on a rename, and it is still how rows written
/// before this change look: those (JSON, so a first byte '{', which the binary format never starts with: its
/// first byte is the root field's tag, with field id 0) are read with that default and rewritten in binary on the
/// grain's next write.
/// </summary>
public sealed class ChatGrainStorageSerializer(IGrainStorageSerializer binary, IGrainStorageSerializer legacyJson) : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => binary.Serialize(input);

    public T? Deserialize<T>(BinaryData input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return IsLegacyJson(input) ? legacyJson.Deserialize<T>(input) : binary.Deserialize<T>(input);
    }

    private static bool IsLegacyJson(BinaryData input) => input.ToMemory().Span is [(byte)'{', ..];
}
