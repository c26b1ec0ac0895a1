namespace OrleansChat.Model;

/// <summary>A member's role in a group room; the wire spells it in snake_case (<c>owner</c>, <c>admin</c>, <c>member</c>).</summary>
[GenerateSerializer]
public enum RoomRole
{
    Member,
    Admin,
    Owner,
}

/// <summary>Who may join a room: anyone (<c>public</c>) or only invited users (<c>private</c>).</summary>
[GenerateSerializer]
public enum RoomVisibility
{
    Public,
    Private,
}
