-- OrleansChat: PostgreSQL schema for Orleans' ADO.NET grain storage and for the message log (chat_messages, at the end)
-- (Microsoft.Orleans.Persistence.AdoNet 10.x, Invariant = "Npgsql").
--
-- Idempotent: applied on every deploy by `Silo migrate` (PostgresSchemaMigrator), inside one transaction
-- and under a PostgreSQL advisory lock, so concurrent runs serialise and a failed run changes nothing.
--
-- Contract with AdoNetGrainStorage (what the provider does with this database):
--   * At silo start it loads the rows 'WriteToStorageKey', 'ReadFromStorageKey' and 'ClearStorageKey'
--     from OrleansQuery (columns QueryKey, QueryText) and uses the texts below as its commands.
--   * Every command binds @GrainIdHash (int), @GrainIdN0 (bigint), @GrainIdN1 (bigint), @GrainTypeHash (int),
--     @GrainTypeString, @GrainIdExtensionString (NULL when the key has no string part) and @ServiceId.
--   * Read  reads at most one row with the columns PayloadBinary (bytea, NULL = cleared) and Version (int).
--     No row means "no record" (ETag NULL).
--   * Write also binds @GrainStateVersion (the grain's ETag, NULL if never stored) and @PayloadBinary and
--     reads NewGrainStateVersion from one row.
--   * Clear also binds @GrainStateVersion and reads the first column of one row (the new version).
--   * Optimistic concurrency: a write/clear whose @GrainStateVersion is not the stored Version (stale
--     activation, duplicate activation racing a first insert) changes nothing and returns NULL; the
--     provider then throws InconsistentStateException.
-- Clear keeps the row (payload NULL) and bumps Version, so versions never go back and an old ETag can
-- never match again.
-- Unquoted identifiers fold to lower case in PostgreSQL; Npgsql matches column names case-insensitively.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    -- '' stands for "no key extension" so that the whole identity can be a primary key.
    GrainIdExtensionString varchar(1024) NOT NULL DEFAULT '',
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NOT NULL,
    CONSTRAINT OrleansStorage_Key PRIMARY KEY
        (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, ServiceId, GrainTypeString, GrainIdExtensionString)
);

-- One row per run of the migrator (written by PostgresSchemaMigrator, not by this script).
CREATE TABLE IF NOT EXISTS OrleansChatSchemaHistory
(
    Id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ScriptName   varchar(200) NOT NULL,
    ScriptSha256 char(64)     NOT NULL,
    AppliedOn    timestamptz  NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION OrleansChat_ReadFromStorage(
    _GrainIdHash            integer,
    _GrainIdN0              bigint,
    _GrainIdN1              bigint,
    _GrainTypeHash          integer,
    _GrainTypeString        varchar,
    _GrainIdExtensionString varchar,
    _ServiceId              varchar)
RETURNS TABLE (PayloadBinary bytea, Version integer)
LANGUAGE sql
STABLE
AS $fn$
    SELECT s.PayloadBinary, s.Version
    FROM OrleansStorage AS s
    WHERE s.GrainIdHash = _GrainIdHash
      AND s.GrainTypeHash = _GrainTypeHash
      AND s.GrainIdN0 = _GrainIdN0
      AND s.GrainIdN1 = _GrainIdN1
      AND s.ServiceId = _ServiceId
      AND s.GrainTypeString = _GrainTypeString
      AND s.GrainIdExtensionString = COALESCE(_GrainIdExtensionString, '');
$fn$;

CREATE OR REPLACE FUNCTION OrleansChat_WriteToStorage(
    _GrainIdHash            integer,
    _GrainIdN0              bigint,
    _GrainIdN1              bigint,
    _GrainTypeHash          integer,
    _GrainTypeString        varchar,
    _GrainIdExtensionString varchar,
    _ServiceId              varchar,
    _GrainStateVersion      integer,
    _PayloadBinary          bytea)
RETURNS TABLE (NewGrainStateVersion integer)
LANGUAGE plpgsql
AS $fn$
DECLARE
    _Extension varchar := COALESCE(_GrainIdExtensionString, '');
    _Written   integer;
BEGIN
    IF _GrainStateVersion IS NULL THEN
        -- First write for this grain: create version 1. If a row exists already (another activation got
        -- there first, or the grain never read its state) nothing is written and NULL is returned.
        INSERT INTO OrleansStorage AS s
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString,
             ServiceId, PayloadBinary, ModifiedOn, Version)
        VALUES
            (_GrainIdHash, _GrainIdN0, _GrainIdN1, _GrainTypeHash, _GrainTypeString, _Extension,
             _ServiceId, _PayloadBinary, now(), 1)
        ON CONFLICT ON CONSTRAINT OrleansStorage_Key DO NOTHING
        RETURNING s.Version INTO _Written;
    ELSE
        -- Compare-and-swap on Version: only the holder of the current version may write.
        UPDATE OrleansStorage AS s
        SET PayloadBinary = _PayloadBinary,
            ModifiedOn    = now(),
            Version       = s.Version + 1
        WHERE s.GrainIdHash = _GrainIdHash
          AND s.GrainTypeHash = _GrainTypeHash
          AND s.GrainIdN0 = _GrainIdN0
          AND s.GrainIdN1 = _GrainIdN1
          AND s.ServiceId = _ServiceId
          AND s.GrainTypeString = _GrainTypeString
          AND s.GrainIdExtensionString = _Extension
          AND s.Version = _GrainStateVersion
        RETURNING s.Version INTO _Written;
    END IF;

    RETURN QUERY SELECT _Written;
END
$fn$;

CREATE OR REPLACE FUNCTION OrleansChat_ClearStorage(
    _GrainIdHash            integer,
    _GrainIdN0              bigint,
    _GrainIdN1              bigint,
    _GrainTypeHash          integer,
    _GrainTypeString        varchar,
    _GrainIdExtensionString varchar,
    _ServiceId              varchar,
    _GrainStateVersion      integer)
RETURNS TABLE (NewGrainStateVersion integer)
LANGUAGE plpgsql
AS $fn$
DECLARE
    _Cleared integer;
BEGIN
    -- Always returns exactly one row: the new version, or NULL when the caller's version is stale.
    UPDATE OrleansStorage AS s
    SET PayloadBinary = NULL,
        ModifiedOn    = now(),
        Version       = s.Version + 1
    WHERE s.GrainIdHash = _GrainIdHash
      AND s.GrainTypeHash = _GrainTypeHash
      AND s.GrainIdN0 = _GrainIdN0
      AND s.GrainIdN1 = _GrainIdN1
      AND s.ServiceId = _ServiceId
      AND s.GrainTypeString = _GrainTypeString
      AND s.GrainIdExtensionString = COALESCE(_GrainIdExtensionString, '')
      AND s.Version = _GrainStateVersion
    RETURNING s.Version INTO _Cleared;

    RETURN QUERY SELECT _Cleared;
END
$fn$;

-- The commands the provider runs. Parameters are cast explicitly so that NULLs (sent untyped) and
-- .NET strings resolve to the function signatures above.
INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    'ReadFromStorageKey',
    $q$SELECT PayloadBinary, Version
FROM OrleansChat_ReadFromStorage(
    CAST(@GrainIdHash AS integer), CAST(@GrainIdN0 AS bigint), CAST(@GrainIdN1 AS bigint),
    CAST(@GrainTypeHash AS integer), CAST(@GrainTypeString AS varchar),
    CAST(@GrainIdExtensionString AS varchar), CAST(@ServiceId AS varchar));$q$
),
(
    'WriteToStorageKey',
    $q$SELECT NewGrainStateVersion
FROM OrleansChat_WriteToStorage(
    CAST(@GrainIdHash AS integer), CAST(@GrainIdN0 AS bigint), CAST(@GrainIdN1 AS bigint),
    CAST(@GrainTypeHash AS integer), CAST(@GrainTypeString AS varchar),
    CAST(@GrainIdExtensionString AS varchar), CAST(@ServiceId AS varchar),
    CAST(@GrainStateVersion AS integer), CAST(@PayloadBinary AS bytea));$q$
),
(
    'ClearStorageKey',
    $q$SELECT NewGrainStateVersion
FROM OrleansChat_ClearStorage(
    CAST(@GrainIdHash AS integer), CAST(@GrainIdN0 AS bigint), CAST(@GrainIdN1 AS bigint),
    CAST(@GrainTypeHash AS integer), CAST(@GrainTypeString AS varchar),
    CAST(@GrainIdExtensionString AS varchar), CAST(@ServiceId AS varchar),
    CAST(@GrainStateVersion AS integer));$q$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- The message log (OrleansChat.Grains.MessageLog.PostgresMessageLog, MessageLog:Provider = Postgres): one row per
-- message. The body is in typed columns with body_kind as discriminator (see PostgresMessageRows for why not
-- jsonb); the CHECK (below) keeps every row in the shape of its kind. Text keys compare bytewise (COLLATE "C"): ids are
-- only ever matched for equality, and the result must not depend on the server's locale.
--   * PRIMARY KEY (conv, seq): one message per seq; history, sync and the last seq are range scans of it.
--   * UNIQUE (conv, from_id, client_id) WHERE client_id IS NOT NULL: a resend with the same client id by the
--     same sender is recognised for good, not only while a grain remembers it.
CREATE TABLE IF NOT EXISTS chat_messages
(
    conv             text COLLATE "C" NOT NULL,
    seq              bigint           NOT NULL,
    ts               bigint           NOT NULL, -- Unix milliseconds, the server's clock
    from_id          text COLLATE "C" NOT NULL,
    from_name        text             NOT NULL,
    from_avatar      text             NULL,
    client_id        text COLLATE "C" NULL,
    body_kind        text             NOT NULL,
    body_text        text             NULL,
    body_url         text             NULL,
    body_width       integer          NULL,
    body_height      integer          NULL,
    body_duration_ms integer          NULL,
    CONSTRAINT chat_messages_pkey PRIMARY KEY (conv, seq)
);

-- The 'enc' body kind (written by EncryptingMessageLog with MessageLog:Encryption:Keys): the key id and the sealed
-- body ([12-byte nonce][ciphertext][16-byte tag]) as raw bytes. Added by ALTER so that a database made by an
-- earlier version of this script gets them too.
ALTER TABLE chat_messages ADD COLUMN IF NOT EXISTS body_key_id text COLLATE "C" NULL;
ALTER TABLE chat_messages ADD COLUMN IF NOT EXISTS body_ciphertext bytea NULL;

-- The shape of every row per body kind. Dropped and added on each run (not in CREATE TABLE) so that an existing
-- table always ends up with the current rule; re-adding it checks every row once per migration, which is what
-- proves that old rows fit the new rule.
ALTER TABLE chat_messages DROP CONSTRAINT IF EXISTS chat_messages_body_shape;
ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_body_shape CHECK (
    (body_kind = 'text' AND body_text IS NOT NULL AND body_url IS NULL
        AND body_width IS NULL AND body_height IS NULL AND body_duration_ms IS NULL
        AND body_key_id IS NULL AND body_ciphertext IS NULL)
    OR (body_kind = 'image' AND body_url IS NOT NULL AND body_text IS NULL AND body_duration_ms IS NULL
        AND body_key_id IS NULL AND body_ciphertext IS NULL)
    OR (body_kind = 'audio' AND body_url IS NOT NULL AND body_duration_ms IS NOT NULL
        AND body_text IS NULL AND body_width IS NULL AND body_height IS NULL
        AND body_key_id IS NULL AND body_ciphertext IS NULL)
    OR (body_kind = 'enc' AND body_key_id IS NOT NULL AND body_ciphertext IS NOT NULL
        AND body_text IS NULL AND body_url IS NULL AND body_width IS NULL AND body_height IS NULL
        AND body_duration_ms IS NULL)
    -- A recall entry: the recalled seq (decimal) in body_text.
    OR (body_kind = 'recall' AND body_text IS NOT NULL AND body_url IS NULL
        AND body_width IS NULL AND body_height IS NULL AND body_duration_ms IS NULL
        AND body_key_id IS NULL AND body_ciphertext IS NULL)
    -- A recalled message: its content erased, nothing but the kind left.
    OR (body_kind = 'recalled' AND body_text IS NULL AND body_url IS NULL AND body_width IS NULL
        AND body_height IS NULL AND body_duration_ms IS NULL AND body_key_id IS NULL AND body_ciphertext IS NULL));

CREATE UNIQUE INDEX IF NOT EXISTS chat_messages_client_id_key
    ON chat_messages (conv, from_id, client_id)
    WHERE client_id IS NOT NULL;

-- Room members (OrleansChat.Grains.Rooms.PostgresRoomMemberStore, MessageLog:Provider = Postgres): one row per
-- (room, user), written whole on each join, leave, invitation, ban, mute or role change, so a change to one member
-- writes one row whatever the room's size (docs/architecture.md, "Room membership"). The room's own metadata
-- (visibility, owner, creation time) stays in its grain state in OrleansStorage.
--   * status: 'member'; 'invited' (not yet joined); 'banned' (refused on join); 'left' (kept only for a mute that
--     outlives leaving or a kick: rejoining does not lift a mute).
--   * name/avatar: the member's profile as of joining (what room.members shows); NULL for the other statuses.
--   * PRIMARY KEY (room, user_id): a grain's load of its room and point reads. The partial indexes serve pages of
--     members in user id order and the owner's heir (the smallest admin's id, else the smallest member's).
CREATE TABLE IF NOT EXISTS chat_room_members
(
    room        text COLLATE "C" NOT NULL,
    user_id     text COLLATE "C" NOT NULL,
    status      text             NOT NULL,
    is_admin    boolean          NOT NULL DEFAULT false,
    name        text             NULL,
    avatar      text             NULL,
    muted_until bigint           NULL, -- Unix milliseconds, the server's clock
    CONSTRAINT chat_room_members_pkey PRIMARY KEY (room, user_id),
    CONSTRAINT chat_room_members_status CHECK (status IN ('member', 'invited', 'banned', 'left')),
    CONSTRAINT chat_room_members_admin_is_member CHECK (NOT is_admin OR status = 'member')
);

CREATE INDEX IF NOT EXISTS chat_room_members_members
    ON chat_room_members (room, user_id)
    WHERE status = 'member';

CREATE INDEX IF NOT EXISTS chat_room_members_admins
    ON chat_room_members (room, user_id)
    WHERE status = 'member' AND is_admin;

-- Read cursors of rooms (OrleansChat.Grains.Rooms.PostgresRoomReadCursorStore): how far each member of a room of up to
-- Chat:ReceiptMaxMembers has read, for read receipts. One row per (room, user), moved forward only (GREATEST) by a batch
-- of reads at most once a second per room; no row per message and member. A leave deletes the row.
CREATE TABLE IF NOT EXISTS chat_room_read_cursors
(
    room     text COLLATE "C" NOT NULL,
    user_id  text COLLATE "C" NOT NULL,
    read_seq bigint           NOT NULL,
    CONSTRAINT chat_room_read_cursors_pkey PRIMARY KEY (room, user_id)
);

-- The directory of public rooms for room.list (OrleansChat.Grains.Rooms.PostgresRoomDirectoryStore): one row per public
-- room with members, its member count written by the room itself at most once a second. A page is a range of the
-- primary key: room >= prefix AND room < prefix || '~' (room names sort below '~' in "C" order), after the cursor.
CREATE TABLE IF NOT EXISTS chat_room_directory
(
    room    text COLLATE "C" NOT NULL,
    members integer          NOT NULL,
    CONSTRAINT chat_room_directory_pkey PRIMARY KEY (room)
);

-- Uploaded media (OrleansChat.Gateway.Media.Storage.PostgresMediaStore, Media:Provider = Postgres): one row per item
-- in chat_media, its bytes (the original and, for images, the thumbnail: variant 0 and 1) in 256 KiB chat_media_chunks
-- rows, and one chat_media_shares row per conversation a message referencing it was stored in (who may read it).
-- media_id is derived from (uploader, SHA-256 of the uploaded bytes): the primary key is the per-uploader dedupe.
CREATE TABLE IF NOT EXISTS chat_media
(
    media_id     text COLLATE "C" NOT NULL PRIMARY KEY,
    owner_id     text COLLATE "C" NOT NULL,
    kind         text             NOT NULL CHECK (kind IN ('image', 'audio')),
    mime         text             NOT NULL,
    bytes        bigint           NOT NULL,
    content_hash text             NOT NULL,
    created_at   timestamptz      NOT NULL,
    width        integer          NULL,
    height       integer          NULL,
    duration_ms  integer          NULL,
    thumb_mime   text             NULL,
    thumb_bytes  bigint           NULL
);

CREATE TABLE IF NOT EXISTS chat_media_chunks
(
    media_id text COLLATE "C" NOT NULL REFERENCES chat_media (media_id) ON DELETE CASCADE,
    variant  smallint         NOT NULL,
    n        integer          NOT NULL,
    data     bytea            NOT NULL,
    PRIMARY KEY (media_id, variant, n)
);

CREATE TABLE IF NOT EXISTS chat_media_shares
(
    media_id  text COLLATE "C" NOT NULL REFERENCES chat_media (media_id) ON DELETE CASCADE,
    conv      text COLLATE "C" NOT NULL,
    shared_at timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (media_id, conv)
);

-- One row per stored message referencing an item (Media: purge of recalled media). A recall deletes its row; the share
-- of a conversation goes with its last row, and an item left with no row at all gets released_at, from which
-- Media:RecalledRetention runs before the janitor deletes it. key_id: the MessageLog:Encryption key the item's bytes are
-- sealed with (Media:EncryptAtRest; the lengths are then the sealed lengths), NULL for bytes in the clear.
CREATE TABLE IF NOT EXISTS chat_media_messages
(
    media_id text COLLATE "C" NOT NULL REFERENCES chat_media (media_id) ON DELETE CASCADE,
    conv     text COLLATE "C" NOT NULL,
    seq      bigint           NOT NULL,
    PRIMARY KEY (media_id, conv, seq)
);

ALTER TABLE chat_media ADD COLUMN IF NOT EXISTS released_at timestamptz NULL;
ALTER TABLE chat_media ADD COLUMN IF NOT EXISTS key_id text COLLATE "C" NULL;
CREATE INDEX IF NOT EXISTS chat_media_released ON chat_media (released_at) WHERE released_at IS NOT NULL;

-- The notification outbox (OrleansChat.Grains.Notifications.Postgres.PostgresNotificationOutbox, MessageLog:Provider =
-- Postgres): offline notifications and webhook events waiting for, or done with, delivery (docs/architecture.md,
-- "Offline notifications"). One row per entry, keyed by its stable id (what a receiver dedupes on): a user's
-- notifications of one conversation in one coalescing window share an id, so they are one row carrying the count.
--   * status: 'pending' (due at due_at), 'sent', 'dead' (the dead-letter record, with last_error).
--   * done: the targets (channel names, webhook URLs) already finished, so a retry goes only to the others.
--   * Times are Unix milliseconds, the server's clock.
--   * chat_notification_outbox_due: a worker's pass reads its shard's due entries; chat_notification_outbox_finished:
--     the purge of old finished rows.
CREATE TABLE IF NOT EXISTS chat_notification_outbox
(
    id          text COLLATE "C" NOT NULL,
    kind        text             NOT NULL,
    shard       integer          NOT NULL,
    payload     text             NOT NULL,
    count       integer          NOT NULL,
    last_seq    bigint           NOT NULL,
    last_at     bigint           NOT NULL,
    created_at  bigint           NOT NULL,
    due_at      bigint           NOT NULL,
    attempts    integer          NOT NULL DEFAULT 0,
    status      text             NOT NULL,
    done        text[]           NOT NULL DEFAULT '{}',
    last_error  text             NULL,
    finished_at bigint           NULL,
    CONSTRAINT chat_notification_outbox_pkey PRIMARY KEY (id),
    CONSTRAINT chat_notification_outbox_kind CHECK (kind IN ('user', 'webhook')),
    CONSTRAINT chat_notification_outbox_status CHECK (status IN ('pending', 'sent', 'dead'))
);

CREATE INDEX IF NOT EXISTS chat_notification_outbox_due
    ON chat_notification_outbox (shard, due_at)
    WHERE status = 'pending';

CREATE INDEX IF NOT EXISTS chat_notification_outbox_finished
    ON chat_notification_outbox (shard, finished_at)
    WHERE status <> 'pending';
