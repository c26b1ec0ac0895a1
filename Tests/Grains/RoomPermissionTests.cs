using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

/// <summary>Every permission rule of a group room, checked on the grains of a real 2-silo cluster.</summary>
[Collection(SharedCluster.Name)]
public sealed class RoomPermissionTests(ClusterFixture fixture)
{
    private static readonly TimeSpan LongMute = TimeSpan.FromMinutes(10);

    private readonly IClusterClient _client = fixture.Client;

    /// <summary>Who does what to whom, and whether the room allows it (docs/protocol.md, the permission matrix).</summary>
    public static TheoryData<string, string, string, bool> Matrix()
    {
        var cells = new (string Actor, string Target, bool Allowed)[]
        {
            ("owner", "owner", false), ("owner", "admin", true), ("owner", "member", true),
            ("admin", "owner", false), ("admin", "admin", false), ("admin", "admin2", false), ("admin", "member", true),
            ("member", "owner", false), ("member", "admin", false), ("member", "member", false), ("member", "member2", false),
        };
        var data = new TheoryData<string, string, string, bool>();
        foreach (var action in new[] { "kick", "mute", "ban" })
        {
            foreach (var (actor, target, allowed) in cells)
            {
                data.Add(action, actor, target, allowed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Moderation_follows_the_matrix(string action, string actorRole, string targetRole, bool allowed)
    {
        await using var gateway = fixture.NewGateway();
        var cast = await Cast.CreateAsync(gateway, RoomVisibility.Public);
        var (actor, target) = (cast[actorRole], cast[targetRole]);
        var room = Room(cast.Room);

        Task Act() => action switch
        {
            "kick" => room.Kick(actor, target.Id, "test"),
            "mute" => room.Mute(actor, target.Id, LongMute),
            _ => room.Ban(actor, target.Id, "test"),
        };

        if (!allowed)
        {
            await AssertRefused(ChatErrorCode.Forbidden, Act);
            await room.Send(target, null, new TextBody("still here and not muted"));
            return;
        }

        await Act();
        await AssertRefused(ChatErrorCode.Forbidden, () => room.Send(target, null, new TextBody("gone or muted")));
        var members = await room.GetMembers(cast.Owner.Id);
        Assert.Equal(action == "mute", members.Any(m => m.User.Id == target.Id));
    }

    [Fact]
    public async Task The_first_joiner_owns_a_new_public_room_and_create_refuses_an_existing_one()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Join(room, alice);
        await gateway.Join(room, bob);

        var roles = (await Room(room).GetMembers(alice.Id)).ToDictionary(m => m.User.Id, m => m.Role);
        Assert.Equal(RoomRole.Owner, roles[alice.Id]);
        Assert.Equal(RoomRole.Member, roles[bob.Id]);
        await AssertRefused(ChatErrorCode.Conflict, () => gateway.Create(room, bob, RoomVisibility.Private));

        var created = Names.New("room");
        await gateway.Create(created, bob, RoomVisibility.Public);
        Assert.Equal(RoomRole.Owner, Assert.Single(await Room(created).GetMembers(bob.Id)).Role);
        await gateway.Join(created, alice);
        Assert.Contains(created, (await _client.GetGrain<IUserGrain>(bob.Id).Connect(bob, gateway.Ref, "c1")).Rooms);
    }

    [Fact]
    public async Task A_private_room_admits_only_invited_users_and_an_invitation_is_used_up()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var (owner, guest, stranger) = (Names.User("owner"), Names.User("guest"), Names.User("stranger"));
        await gateway.Connect(guest);
        await gateway.Create(room, owner, RoomVisibility.Private);

        await AssertRefused(ChatErrorCode.Forbidden, () => gateway.Join(room, stranger));
        await Room(room).Invite(owner, guest.Id);
        var invited = await gateway.Recorder.WaitForFrames<RoomInvitedEvent>(guest.Id);
        Assert.Equal((room, RoomVisibility.Private, owner.Id), (invited[0].Room, invited[0].Visibility, invited[0].By.Id));

        await gateway.Join(room, guest);
        await Room(room).Kick(owner, guest.Id, null);
        await AssertRefused(ChatErrorCode.Forbidden, () => gateway.Join(room, guest)); // a kick needs a new invitation
        await AssertRefused(ChatErrorCode.Forbidden, () => gateway.Join(room, stranger));
        Assert.Equal([owner.Id], (await Room(room).GetMembers(owner.Id)).Select(m => m.User.Id));
    }

    [Fact]
    public async Task Invitations_are_for_moderators_and_for_users_neither_in_nor_banned_from_the_room()
    {
        await using var gateway = fixture.NewGateway();
        var cast = await Cast.CreateAsync(gateway, RoomVisibility.Private);
        var room = Room(cast.Room);
        var (newcomer, troll) = (Names.User("newcomer"), Names.User("troll"));

        await AssertRefused(ChatErrorCode.Forbidden, () => room.Invite(cast.Member, newcomer.Id));
        await AssertRefused(ChatErrorCode.Forbidden, () => room.Invite(newcomer, troll.Id)); // not even a member
        await AssertRefused(ChatErrorCode.Conflict, () => room.Invite(cast.Admin, cast.Member.Id));
        await room.Ban(cast.Admin, troll.Id, null);
        await AssertRefused(ChatErrorCode.Conflict, () => room.Invite(cast.Owner, troll.Id));

        await room.Invite(cast.Admin, newcomer.Id);
        await gateway.Join(cast.Room, newcomer);
    }

    [Fact]
    public async Task A_kick_removes_the_member_everywhere_and_a_public_room_lets_them_back()
    {
        await using var gateway = fixture.NewGateway();
        var cast = await Cast.CreateAsync(gateway, RoomVisibility.Public);
        await gateway.Connect(cast.Member);

        await Room(cast.Room).Kick(cast.Admin, cast.Member.Id, "spam");

        var kicked = Assert.Single(await gateway.Recorder.WaitForFrames<RoomKickedEvent>(cast.Room));
        Assert.Equal((cast.Member.Id, cast.Admin.Id, "spam"), (kicked.User.Id, kicked.By.Id, kicked.Reason));
        await gateway.Recorder.WaitUntil(calls => calls.Any(c =>
            c is { Method: "RoomMembershipChanged", Joined: false } && c.Target == cast.Member.Id && c.Room == cast.Room));
        Assert.DoesNotContain(cast.Room, (await _client.GetGrain<IUserGrain>(cast.Member.Id).Connect(cast.Member, gateway.Ref, "c2")).Rooms);
        await AssertRefused(ChatErrorCode.NotFound, () => Room(cast.Room).Kick(cast.Owner, cast.Member.Id, null));

        await gateway.Join(cast.Room, cast.Member);
        await Room(cast.Room).Send(cast.Member, null, new TextBody("back"));
    }

    [Fact]
    public async Task A_mute_refuses_sends_until_it_expires_by_itself()
    {
        await using var gateway = fixture.NewGateway();
        var cast = await Cast.CreateAsync(gateway, RoomVisibility.Public);
        var room = Room(cast.Room);

        var until = await room.Mute(cast.Admin, cast.Member.Id, TimeSpan.FromMilliseconds(700));

        var muted = Assert.Single(await gateway.Recorder.WaitForFrames<RoomMutedEvent>(cast.Room));
        Assert.Equal((cast.Member.Id, until), (muted.User.Id, muted.Until));
        await AssertRefused(ChatErrorCode.Forbidden, () => room.Send(cast.Member, null, new TextBody("muted")));
        Assert.Equal(until, (await room.GetMembers(cast.Member.Id)).Single(m => m.User.Id == cast.Member.Id).MutedUntil);

        await Eventually.TrueAsync(async () => await TrySend(room, cast.Member), "the mute expired");
        Assert.Null((await room.GetMembers(cast.Member.Id)).Single(m => m.User.Id == cast.Member.Id).MutedUntil);
        await AssertRefused(ChatErrorCode.NotFound, () => room.Unmute(cast.Admin, cast.Member.Id));
    }

    [Fact]
    public async Task Unmute_lifts_a_mute_early_and_leaving_does_not()
    {
        await using var gateway = fixture.NewGateway();
        var cast = await Cast.CreateAsync(gateway, RoomVisibility.Public);
        var room = Room(cast.Room);
        await room.Mute(cast.Owner, cast.Member.Id, LongMute);

        await room.Leave(cast.Member.Id);
        await gateway.Join(cast.Room, cast.Member);
        await AssertRefused(ChatErrorCode.Forbidden, () => room.Send(cast.Member, null, new TextBody("rejoined")));

        await AssertRefused(ChatErrorCode.Forbidden, () => room.Unmute(cast.Member2, cast.Member.Id));
        await room.Unmute(cast.Admin, cast.Member.Id);
        await gateway.Recorder.WaitForFrames<RoomUnmutedEvent>(cast.Room);
        await room.Send(cast.Member, null, new TextBody("free"));
    }

    [Fact]
    public async Task A_ban_blocks_rejoining_until_unbanned_and_reaches_a_banned_non_member()
    {
        await using var gateway = fixture.NewGateway();
        var cast = await Cast.CreateAsync(gateway, RoomVisibility.Public);
        var room = Room(cast.Room);
        var outsider = Names.User("outsider");
        await gateway.Connect(outsider);

        await room.Ban(cast.Admin, cast.Member.Id, "abuse");
        await gateway.Recorder.WaitForFrames<RoomBannedEvent>(cast.Room, where: e => e.User.Id == cast.Member.Id && e.Reason == "abuse");
        await AssertRefused(ChatErrorCode.Forbidden, () => gateway.Join(cast.Room, cast.Member));
        await AssertRefused(ChatErrorCode.Conflict, () => room.Ban(cast.Owner, cast.Member.Id, null));

        await room.Ban(cast.Owner, outsider.Id, null);
        await gateway.Recorder.WaitForFrames<RoomBannedEvent>(outsider.Id);
        await AssertRefused(ChatErrorCode.Forbidden, () => gateway.Join(cast.Room, outsider));

        await AssertRefused(ChatErrorCode.Forbidden, () => room.Unban(cast.Member2, cast.Member.Id));
        await room.Unban(cast.Admin, cast.Member.Id);
        await AssertRefused(ChatErrorCode.NotFound, () => room.Unban(cast.Admin, cast.Member.Id));
        await gateway.Join(cast.Room, cast.Member);
        Assert.Equal(RoomRole.Member, (await room.GetMembers(cast.Member.Id)).Single(m => m.User.Id == cast.Member.Id).Role);
    }

    [Fact]
    public async Task Only_the_owner_changes_roles_and_never_its_own()
    {
        await using var gateway = fixture.NewGateway();
        var cast = await Cast.CreateAsync(gateway, RoomVisibility.Public);
        var room = Room(cast.Room);

        await AssertRefused(ChatErrorCode.Forbidden, () => room.SetRole(cast.Admin, cast.Member.Id, RoomRole.Admin));
        await AssertRefused(ChatErrorCode.Forbidden, () => room.SetRole(cast.Member, cast.Member.Id, RoomRole.Admin));
        await AssertRefused(ChatErrorCode.Forbidden, () => room.SetRole(cast.Owner, cast.Owner.Id, RoomRole.Member));
        await AssertRefused(ChatErrorCode.BadRequest, () => room.SetRole(cast.Owner, cast.Member.Id, RoomRole.Owner));
        await AssertRefused(ChatErrorCode.NotFound, () => room.SetRole(cast.Owner, Names.New("nobody"), RoomRole.Admin));

        await room.SetRole(cast.Owner, cast.Member.Id, RoomRole.Admin);
        await gateway.Recorder.WaitForFrames<RoomRoleEvent>(cast.Room, where: e => e.User.Id == cast.Member.Id && e.Role == RoomRole.Admin);
        await room.Kick(cast.Member, cast.Member2.Id, null); // a new admin moderates members

        await room.SetRole(cast.Owner, cast.Admin.Id, RoomRole.Member);
        await AssertRefused(ChatErrorCode.Forbidden, () => room.Mute(cast.Admin, cast.Admin2.Id, LongMute));
        await room.Mute(cast.Admin2, cast.Admin.Id, LongMute); // a demoted admin is a member like any other
    }

    [Fact]
    public async Task When_the_owner_leaves_an_admin_inherits_the_room()
    {
        await using var gateway = fixture.NewGateway();
        var cast = await Cast.CreateAsync(gateway, RoomVisibility.Public);

        await Room(cast.Room).Leave(cast.Owner.Id);

        var heir = new[] { cast.Admin.Id, cast.Admin2.Id }.Order(StringComparer.Ordinal).First();
        await gateway.Recorder.WaitForFrames<RoomRoleEvent>(cast.Room, where: e => e.User.Id == heir && e.Role == RoomRole.Owner);
        var roles = (await Room(cast.Room).GetMembers(heir)).ToDictionary(m => m.User.Id, m => m.Role);
        Assert.Equal(RoomRole.Owner, roles[heir]);
        Assert.Single(roles, r => r.Value == RoomRole.Owner);
    }

    [Fact]
    public async Task Moderating_a_room_one_is_not_in_is_forbidden()
    {
        await using var gateway = fixture.NewGateway();
        var cast = await Cast.CreateAsync(gateway, RoomVisibility.Public);
        var room = Room(cast.Room);
        var stranger = Names.User("stranger");

        await AssertRefused(ChatErrorCode.Forbidden, () => room.Kick(stranger, cast.Member.Id, null));
        await AssertRefused(ChatErrorCode.Forbidden, () => room.Mute(stranger, cast.Member.Id, LongMute));
        await AssertRefused(ChatErrorCode.Forbidden, () => room.Ban(stranger, cast.Member.Id, null));
        await AssertRefused(ChatErrorCode.Forbidden, () => room.Unban(stranger, cast.Member.Id));
        await AssertRefused(ChatErrorCode.Forbidden, () => room.SetRole(stranger, cast.Member.Id, RoomRole.Admin));
        await AssertRefused(ChatErrorCode.NotFound, () => room.Kick(cast.Owner, stranger.Id, null));
        await AssertRefused(ChatErrorCode.NotFound, () => room.Mute(cast.Owner, stranger.Id, LongMute));
        await AssertRefused(ChatErrorCode.BadRequest, () => room.Mute(cast.Owner, cast.Member.Id, TimeSpan.Zero));
    }

    private static async Task<bool> TrySend(IGroupRoomGrain room, UserProfile from)
    {
        try
        {
            await room.Send(from, null, new TextBody("hello again"));
            return true;
        }
        catch (ChatException e) when (e.Code == ChatErrorCode.Forbidden)
        {
            return false;
        }
    }

    private static async Task AssertRefused(ChatErrorCode code, Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<ChatException>(call);
        Assert.Equal(code, refused.Code);
    }

    private IGroupRoomGrain Room(string name) => _client.GetGrain<IGroupRoomGrain>(name);

    /// <summary>A room with one user per role: an owner, two admins, two members.</summary>
    private sealed record Cast(string Room, UserProfile Owner, UserProfile Admin, UserProfile Admin2, UserProfile Member, UserProfile Member2)
    {
        public UserProfile this[string role] => role switch
        {
            "owner" => Owner,
            "admin" => Admin,
            "admin2" => Admin2,
            "member" => Member,
            "member2" => Member2,
            _ => throw new ArgumentOutOfRangeException(nameof(role), role, "no such part"),
        };

        public static async Task<Cast> CreateAsync(TestGateway gateway, RoomVisibility visibility)
        {
            var cast = new Cast(Names.New("room"), Names.User("owner"), Names.User("admin"), Names.User("admin2"), Names.User("member"), Names.User("member2"));
            await gateway.Create(cast.Room, cast.Owner, visibility);
            var room = gateway.Room(cast.Room);
            foreach (var user in new[] { cast.Admin, cast.Admin2, cast.Member, cast.Member2 })
            {
                if (visibility == RoomVisibility.Private)
                {
                    await room.Invite(cast.Owner, user.Id);
                }

                await gateway.Join(cast.Room, user);
            }

            await room.SetRole(cast.Owner, cast.Admin.Id, RoomRole.Admin);
            await room.SetRole(cast.Owner, cast.Admin2.Id, RoomRole.Admin);
            return cast;
        }
    }
}
