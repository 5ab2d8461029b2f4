"""The SQL that makes the audit trail complete, append-only and hash-chained.

Each tracked table gets ``audit_capture`` as an AFTER trigger; it hands the change to
``audit_append``, which takes a transaction-level advisory lock so that events are chained in
commit order, reads the previous hash and inserts the new event. The hash material is built
from text forms that Python can read back unchanged (``jsonb::text`` is canonical), so
``verify_audit`` recomputes every hash outside the database.
"""

from django.db import migrations

EVENT_TABLE = "audit_auditevent"
CHECKPOINT_TABLE = "audit_auditcheckpoint"
CHAIN_LOCK_KEY = 7_345_001
GENESIS_HASH = "0" * 64
SEPARATOR = "\x1f"

INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_material(
    prev text, event_id bigint, tbl text, pk text, poc bigint, op text, old_data jsonb,
    new_data jsonb, changed text[], actor bigint, ctx jsonb, ts timestamptz
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(E'\\x1f', prev, event_id::text, tbl, pk, coalesce(poc::text, ''), op,
        coalesce(old_data::text, ''), coalesce(new_data::text, ''), array_to_string(changed, ','),
        coalesce(actor::text, ''), ctx::text,
        to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

CREATE OR REPLACE FUNCTION audit_append(
    tbl text, pk text, poc bigint, op text, old_data jsonb, new_data jsonb, changed text[],
    actor bigint, ctx jsonb
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    prev text;
    event_id bigint;
    ts timestamptz := clock_timestamp();
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
    SELECT hash INTO prev FROM {EVENT_TABLE} ORDER BY id DESC LIMIT 1;
    prev := coalesce(prev, '{GENESIS_HASH}');
    event_id := nextval(pg_get_serial_sequence('{EVENT_TABLE}', 'id'));
    INSERT INTO {EVENT_TABLE} (id, occurred_at, table_name, row_pk, poc_id, op, old_data, new_data,
                               changed_fields, actor_id, context, prev_hash, hash)
    VALUES (event_id, ts, tbl, pk, poc, op, old_data, new_data, changed, actor, ctx, prev,
            encode(sha256(convert_to(
                audit_material(prev, event_id, tbl, pk, poc, op, old_data, new_data, changed, actor, ctx, ts),
                'UTF8')), 'hex'));
END
$$;

CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    poc_column text := TG_ARGV[0];
    excluded text[] := TG_ARGV[1]::text[];
    old_j jsonb;
    new_j jsonb;
    changed text[];
    poc bigint;
    actor_setting text := nullif(current_setting('pocportal.actor_id', true), '');
    ctx_setting text := nullif(current_setting('pocportal.context', true), '');
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN old_j := to_jsonb(OLD) - excluded; END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN new_j := to_jsonb(NEW) - excluded; END IF;
    SELECT coalesce(array_agg(k ORDER BY k), '{{}}') INTO changed
      FROM jsonb_object_keys(coalesce(new_j, old_j)) AS k
     WHERE TG_OP <> 'UPDATE' OR new_j -> k IS DISTINCT FROM old_j -> k;
    IF TG_OP = 'UPDATE' AND cardinality(changed) = 0 THEN
        RETURN NULL;  -- only excluded columns changed (a last_login, say): nothing to record
    END IF;
    IF poc_column <> '' THEN
        poc := coalesce(new_j ->> poc_column, old_j ->> poc_column)::bigint;
    END IF;
    PERFORM audit_append(TG_TABLE_NAME, coalesce(new_j ->> 'id', old_j ->> 'id'), poc, TG_OP,
                         old_j, new_j, changed, actor_setting::bigint,
                         coalesce(ctx_setting::jsonb, '{{}}'::jsonb));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {EVENT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""

UNINSTALL = f"""
DROP TRIGGER IF EXISTS audit_event_append_only ON {EVENT_TABLE};
DROP FUNCTION IF EXISTS audit_refuse_change();
DROP FUNCTION IF EXISTS audit_capture();
DROP FUNCTION IF EXISTS audit_append(text, text, bigint, text, jsonb, jsonb, text[], bigint, jsonb);
DROP FUNCTION IF EXISTS audit_material(text, bigint, text, text, bigint, text, jsonb, jsonb, text[], bigint,
    jsonb, timestamptz);
"""

# The chain's anchors, and the split between the owner of the tables and the application's role.
# - audit_capture() runs as its owner (SECURITY DEFINER, with a fixed search_path), so a role that may
#   write domain rows but not audit rows still gets its writes recorded;
# - audit_append() can no longer be called by PUBLIC: only the owner, through the triggers, appends;
# - audit_record_checkpoint() inserts the current head (last id and hash, read under the chain lock)
#   into the checkpoint table; it is the only way the application's role adds a checkpoint;
# - the checkpoint table refuses UPDATE and DELETE like the events do.
ANCHOR_INSTALL = f"""
ALTER FUNCTION audit_capture() SECURITY DEFINER;
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION audit_capture() SET search_path = %I, pg_temp', current_schema());
END $$;
REVOKE ALL ON FUNCTION audit_append(text, text, bigint, text, jsonb, jsonb, text[], bigint, jsonb) FROM PUBLIC;

CREATE OR REPLACE FUNCTION audit_refuse_checkpoint_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON {CHECKPOINT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_checkpoint_change();

CREATE OR REPLACE FUNCTION audit_record_checkpoint()
RETURNS TABLE (checkpoint_event_id bigint, checkpoint_hash text, checkpoint_recorded_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});  -- no event is appended while the head is read
    RETURN QUERY
        INSERT INTO {CHECKPOINT_TABLE} AS c (event_id, hash, recorded_at)
        SELECT e.id, e.hash, clock_timestamp() FROM {EVENT_TABLE} e ORDER BY e.id DESC LIMIT 1
        RETURNING c.event_id, c.hash::text, c.recorded_at;
END
$$;
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION audit_record_checkpoint() SET search_path = %I, pg_temp', current_schema());
END $$;
REVOKE ALL ON FUNCTION audit_record_checkpoint() FROM PUBLIC;
"""

ANCHOR_UNINSTALL = f"""
DROP FUNCTION IF EXISTS audit_record_checkpoint();
DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON {CHECKPOINT_TABLE};
DROP FUNCTION IF EXISTS audit_refuse_checkpoint_change();
GRANT EXECUTE ON FUNCTION audit_append(text, text, bigint, text, jsonb, jsonb, text[], bigint, jsonb) TO PUBLIC;
ALTER FUNCTION audit_capture() SECURITY INVOKER;
ALTER FUNCTION audit_capture() RESET search_path;
"""


def trigger_name(table: str) -> str:
    """The name of the audit trigger on ``table``."""
    return f"audit_{table}"


def _create_trigger(table: str, poc_column: str, exclude: tuple[str, ...]) -> str:
    excluded = "{" + ",".join(exclude) + "}"
    return f"""
        CREATE TRIGGER "{trigger_name(table)}" AFTER INSERT OR UPDATE OR DELETE ON "{table}"
            FOR EACH ROW EXECUTE FUNCTION audit_capture('{poc_column}', '{excluded}');
        """


def _drop_trigger(table: str) -> str:
    return f'DROP TRIGGER IF EXISTS "{trigger_name(table)}" ON "{table}";'


class AuditTrigger(migrations.RunSQL):
    """A migration operation that records every change to ``table`` in the audit trail.

    ``poc_column`` names the column holding the PoC id (``id`` for the PoC table itself), so the
    PoC's activity feed can find the event; ``exclude`` lists columns never copied into the
    trail (password hashes, say). The arguments must match the model's ``audit`` declaration:
    ``manage.py check`` compares the migrations with the declarations, and the tests compare the
    database's triggers with them.
    """

    def __init__(self, table: str, *, poc_column: str = "", exclude: tuple[str, ...] = ()):
        self.table = table
        self.poc_column = poc_column
        self.exclude = tuple(exclude)
        super().__init__(sql=_create_trigger(table, poc_column, self.exclude), reverse_sql=_drop_trigger(table))

    def deconstruct(self):
        kwargs = {"poc_column": self.poc_column, "exclude": self.exclude}
        return self.__class__.__qualname__, [self.table], kwargs

    def describe(self):
        return f"Audit every change to {self.table}"


class DropAuditTrigger(migrations.RunSQL):
    """A migration operation that stops auditing ``table`` (undone by putting the trigger back).

    To change a trigger's arguments, drop it with the old ones and add it with the new ones.
    """

    def __init__(self, table: str, *, poc_column: str = "", exclude: tuple[str, ...] = ()):
        self.table = table
        self.poc_column = poc_column
        self.exclude = tuple(exclude)
        super().__init__(sql=_drop_trigger(table), reverse_sql=_create_trigger(table, poc_column, self.exclude))

    def deconstruct(self):
        kwargs = {"poc_column": self.poc_column, "exclude": self.exclude}
        return self.__class__.__qualname__, [self.table], kwargs

    def describe(self):
        return f"Stop auditing {self.table}"


def track(table: str, *, poc_column: str = "", exclude: tuple[str, ...] = ()) -> AuditTrigger:
    """Shorthand for ``AuditTrigger``, kept for the migrations that already use it."""
    return AuditTrigger(table, poc_column=poc_column, exclude=exclude)


# --- Chain format 2: one chain per PoC, changed columns only -------------------------------------------------
#
# Format 1 (above, kept for the migrations that installed it and for reading old events) chains every
# event after the one before it under one advisory lock, held until commit: every audited write in the
# database waits for every other. Format 2 keeps one chain per PoC (``poc_id``; the events without a
# PoC form one chain of their own) under an advisory lock keyed by that PoC, so writes to different
# PoCs no longer wait for each other. Within a chain, ids still follow commit order: the id is taken
# after the lock, and the lock is held until commit. Old events keep format 1 (``chain_version`` 1) and
# stay one chain, checked as before. A checkpoint records every chain's head (``heads``), so deleting
# the last events of any chain after a checkpoint is noticed.
#
# An UPDATE stores only what it changed (old and new value of each changed column) plus the columns a
# row is named by (``LABEL_COLUMNS``, as the activity feed reads them); an INSERT stores the new row
# and a DELETE the old row, whole, as before.

CHAIN_VERSION = 2
CHAIN_LOCK_CLASS = 7_345_002  # advisory lock (CHAIN_LOCK_CLASS, poc id): one chain per PoC
LABEL_COLUMNS = ("name", "text", "kind", "user_id")  # apps.audit.selectors.LABEL_KEYS: kept in UPDATE events

CHAINS_INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_material_v2(
    prev text, event_id bigint, tbl text, pk text, poc bigint, op text, old_data jsonb,
    new_data jsonb, changed text[], actor bigint, ctx jsonb, ts timestamptz
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(E'\\x1f', 'v2', prev, event_id::text, tbl, pk, coalesce(poc::text, ''), op,
        coalesce(old_data::text, ''), coalesce(new_data::text, ''), array_to_string(changed, ','),
        coalesce(actor::text, ''), ctx::text,
        to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

CREATE OR REPLACE FUNCTION audit_append(
    tbl text, pk text, poc bigint, op text, old_data jsonb, new_data jsonb, changed text[],
    actor bigint, ctx jsonb
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    prev text;
    event_id bigint;
    ts timestamptz;
BEGIN
    -- One chain per PoC: only writes to the same PoC wait here, until the first one commits.
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_CLASS}, (coalesce(poc, 0) % 2147483647)::int);
    IF poc IS NULL THEN
        SELECT e.hash INTO prev FROM {EVENT_TABLE} e
         WHERE e.poc_id IS NULL AND e.chain_version = {CHAIN_VERSION} ORDER BY e.id DESC LIMIT 1;
    ELSE
        SELECT e.hash INTO prev FROM {EVENT_TABLE} e
         WHERE e.poc_id = poc AND e.chain_version = {CHAIN_VERSION} ORDER BY e.id DESC LIMIT 1;
    END IF;
    prev := coalesce(prev, '{GENESIS_HASH}');
    event_id := nextval(pg_get_serial_sequence('{EVENT_TABLE}', 'id'));
    ts := clock_timestamp();
    INSERT INTO {EVENT_TABLE} (id, occurred_at, table_name, row_pk, poc_id, op, old_data, new_data,
                               changed_fields, actor_id, context, prev_hash, hash, chain_version)
    VALUES (event_id, ts, tbl, pk, poc, op, old_data, new_data, changed, actor, ctx, prev,
            encode(sha256(convert_to(
                audit_material_v2(prev, event_id, tbl, pk, poc, op, old_data, new_data, changed, actor, ctx, ts),
                'UTF8')), 'hex'),
            {CHAIN_VERSION});
END
$$;

CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    poc_column text := TG_ARGV[0];
    excluded text[] := TG_ARGV[1]::text[];
    old_j jsonb;
    new_j jsonb;
    changed text[];
    unchanged text[] := '{{}}';
    poc bigint;
    actor_setting text := nullif(current_setting('pocportal.actor_id', true), '');
    ctx_setting text := nullif(current_setting('pocportal.context', true), '');
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN old_j := to_jsonb(OLD) - excluded; END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN new_j := to_jsonb(NEW) - excluded; END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(k ORDER BY k) FILTER (WHERE new_j -> k IS DISTINCT FROM old_j -> k), '{{}}'),
               coalesce(array_agg(k) FILTER (WHERE new_j -> k IS NOT DISTINCT FROM old_j -> k
                                                AND k <> ALL ('{{{",".join(LABEL_COLUMNS)}}}'::text[])), '{{}}')
          INTO changed, unchanged
          FROM jsonb_object_keys(new_j) AS k;
        IF cardinality(changed) = 0 THEN
            RETURN NULL;  -- only excluded columns changed (a last_login, say): nothing to record
        END IF;
    ELSE
        SELECT coalesce(array_agg(k ORDER BY k), '{{}}') INTO changed
          FROM jsonb_object_keys(coalesce(new_j, old_j)) AS k;
    END IF;
    IF poc_column <> '' THEN
        poc := coalesce(new_j ->> poc_column, old_j ->> poc_column)::bigint;
    END IF;
    PERFORM audit_append(TG_TABLE_NAME, coalesce(new_j ->> 'id', old_j ->> 'id'), poc, TG_OP,
                         old_j - unchanged, new_j - unchanged, changed, actor_setting::bigint,
                         coalesce(ctx_setting::jsonb, '{{}}'::jsonb));
    RETURN NULL;
END
$$;
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION audit_capture() SET search_path = %I, pg_temp', current_schema());
END $$;

-- Every chain's head, read without any lock: within a chain an event commits only after the one before
-- it, so what a snapshot sees of a chain is always a whole prefix of it, and a head read here is always
-- an event that the chain must keep. The heads of the chains written lately are read from the events
-- after the checkpoint before the previous one (two periods back, so that a write still open at the
-- previous checkpoint is caught now), the others are carried over from the previous checkpoint.
CREATE OR REPLACE FUNCTION audit_record_checkpoint()
RETURNS TABLE (checkpoint_event_id bigint, checkpoint_hash text, checkpoint_recorded_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    since bigint := 0;
    head_id bigint;
    head_hash text;
    chain_heads jsonb;
BEGIN
    SELECT e.id, e.hash INTO head_id, head_hash FROM {EVENT_TABLE} e ORDER BY e.id DESC LIMIT 1;
    IF head_id IS NULL THEN
        RETURN;
    END IF;
    SELECT c.heads INTO chain_heads FROM {CHECKPOINT_TABLE} c WHERE c.heads IS NOT NULL ORDER BY c.id DESC LIMIT 1;
    IF chain_heads IS NULL THEN  -- the first checkpoint of format 2: read every chain, the old one too
        SELECT jsonb_build_object('v1', jsonb_build_array(e.id, e.hash)) INTO chain_heads
          FROM {EVENT_TABLE} e WHERE e.chain_version = 1 ORDER BY e.id DESC LIMIT 1;
        chain_heads := coalesce(chain_heads, '{{}}');
    ELSE
        SELECT c.event_id INTO since FROM {CHECKPOINT_TABLE} c
         WHERE c.heads IS NOT NULL ORDER BY c.id DESC OFFSET 1 LIMIT 1;
        since := coalesce(since, 0);
    END IF;
    SELECT chain_heads || coalesce(jsonb_object_agg(h.chain, jsonb_build_array(h.id, h.hash)), '{{}}')
      INTO chain_heads
      FROM (SELECT DISTINCT ON (e.poc_id) coalesce('poc:' || e.poc_id, 'other') AS chain, e.id, e.hash
              FROM {EVENT_TABLE} e
             WHERE e.id > since AND e.chain_version = {CHAIN_VERSION}
             ORDER BY e.poc_id, e.id DESC) h;
    RETURN QUERY
        INSERT INTO {CHECKPOINT_TABLE} AS c (event_id, hash, recorded_at, heads)
        VALUES (head_id, head_hash, clock_timestamp(), chain_heads)
        RETURNING c.event_id, c.hash::text, c.recorded_at;
END
$$;
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION audit_record_checkpoint() SET search_path = %I, pg_temp', current_schema());
END $$;
"""

# Back to format 1 (events written meanwhile keep format 2, which format 1's verify_audit cannot read).
_FORMAT_1_FUNCTIONS = INSTALL[: INSTALL.index("CREATE OR REPLACE FUNCTION audit_refuse_change")]
CHAINS_UNINSTALL = (
    _FORMAT_1_FUNCTIONS
    + f"""
ALTER FUNCTION audit_capture() SECURITY DEFINER;
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION audit_capture() SET search_path = %I, pg_temp', current_schema());
END $$;
DROP FUNCTION IF EXISTS audit_material_v2(text, bigint, text, text, bigint, text, jsonb, jsonb, text[], bigint,
    jsonb, timestamptz);
CREATE OR REPLACE FUNCTION audit_record_checkpoint()
RETURNS TABLE (checkpoint_event_id bigint, checkpoint_hash text, checkpoint_recorded_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
    RETURN QUERY
        INSERT INTO {CHECKPOINT_TABLE} AS c (event_id, hash, recorded_at)
        SELECT e.id, e.hash, clock_timestamp() FROM {EVENT_TABLE} e ORDER BY e.id DESC LIMIT 1
        RETURNING c.event_id, c.hash::text, c.recorded_at;
END
$$;
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION audit_record_checkpoint() SET search_path = %I, pg_temp', current_schema());
END $$;
"""
)


# Reading a chain's head by walking the (poc_id, id DESC) index from its start. Format 2 events are
# always newer than format 1 ones, so the PoC's newest event is its format-2 head, or (format 1) says
# that chain has not started. Filtering on the format, as before, let the planner read every event of
# the PoC and sort them on each write, so a write's cost grew with the PoC's history.
_APPEND_START = CHAINS_INSTALL.index("CREATE OR REPLACE FUNCTION audit_append(")
APPEND_FILTERED = CHAINS_INSTALL[_APPEND_START : CHAINS_INSTALL.index("CREATE OR REPLACE FUNCTION audit_capture()")]
APPEND_BY_INDEX = f"""
CREATE OR REPLACE FUNCTION audit_append(
    tbl text, pk text, poc bigint, op text, old_data jsonb, new_data jsonb, changed text[],
    actor bigint, ctx jsonb
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    prev text;
    prev_version smallint;
    event_id bigint;
    ts timestamptz;
BEGIN
    -- One chain per PoC: only writes to the same PoC wait here, until the first one commits.
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_CLASS}, (coalesce(poc, 0) % 2147483647)::int);
    IF poc IS NULL THEN
        SELECT e.hash, e.chain_version INTO prev, prev_version FROM {EVENT_TABLE} e
         WHERE e.poc_id IS NULL ORDER BY e.poc_id, e.id DESC LIMIT 1;
    ELSE
        SELECT e.hash, e.chain_version INTO prev, prev_version FROM {EVENT_TABLE} e
         WHERE e.poc_id = poc ORDER BY e.poc_id, e.id DESC LIMIT 1;
    END IF;
    IF prev_version IS DISTINCT FROM {CHAIN_VERSION} THEN
        prev := NULL;  -- no event yet, or only format 1 ones: the format-2 chain starts here
    END IF;
    prev := coalesce(prev, '{GENESIS_HASH}');
    event_id := nextval('{EVENT_TABLE}_id_seq'::regclass);
    ts := clock_timestamp();
    INSERT INTO {EVENT_TABLE} (id, occurred_at, table_name, row_pk, poc_id, op, old_data, new_data,
                               changed_fields, actor_id, context, prev_hash, hash, chain_version)
    VALUES (event_id, ts, tbl, pk, poc, op, old_data, new_data, changed, actor, ctx, prev,
            encode(sha256(convert_to(
                audit_material_v2(prev, event_id, tbl, pk, poc, op, old_data, new_data, changed, actor, ctx, ts),
                'UTF8')), 'hex'),
            {CHAIN_VERSION});
END
$$;
"""
