-- The worklets' KV store in Postgres: the seed's worklet_kv_store with row-level security that
-- binds aio's own role. Run it as the role that owns the tables (never as aio's role), once and
-- after each aio upgrade; it is idempotent:
--
--     psql "postgresql://OWNER@HOST/DB" -v app_role=AIO_ROLE -f postgres_schema.sql
--
-- or let aio run it at start-up by configuring kv_admin_url = the owner's URL. AIO_ROLE is the
-- role of kv_url: not the owner, not a superuser, without BYPASSRLS (aio refuses it otherwise).
SELECT pg_advisory_xact_lock(7270212);

CREATE TABLE IF NOT EXISTS worklet_kv_store (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    worklet_id BIGINT NOT NULL,
    namespace TEXT COLLATE "C" NOT NULL DEFAULT 'default',
    key TEXT COLLATE "C" NOT NULL,
    value JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT unique_worklet_namespace_key UNIQUE (worklet_id, namespace, key)
);
-- The seed's indexes; its (worklet_id, namespace, key) index is the unique constraint's own.
CREATE INDEX IF NOT EXISTS idx_worklet_kv_store_worklet_id ON worklet_kv_store (worklet_id);
CREATE INDEX IF NOT EXISTS idx_worklet_kv_store_namespace ON worklet_kv_store (worklet_id, namespace);
CREATE INDEX IF NOT EXISTS idx_worklet_kv_store_created_at ON worklet_kv_store (created_at);

CREATE OR REPLACE FUNCTION update_worklet_kv_store_updated_at() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS trigger_update_worklet_kv_store_updated_at ON worklet_kv_store;
CREATE TRIGGER trigger_update_worklet_kv_store_updated_at
    BEFORE UPDATE ON worklet_kv_store
    FOR EACH ROW EXECUTE FUNCTION update_worklet_kv_store_updated_at();

-- Every row is visible to, and may be written by, only the worklet named for the current
-- transaction (aio runs set_config('aio.worklet_id', ID, true) first in each one). Unset, it
-- names none: the policy sees NULL and matches no row. FORCE binds the owner too.
ALTER TABLE worklet_kv_store ENABLE ROW LEVEL SECURITY;
ALTER TABLE worklet_kv_store FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS worklet_kv_store_one_worklet ON worklet_kv_store;
CREATE POLICY worklet_kv_store_one_worklet ON worklet_kv_store
    FOR ALL
    USING (worklet_id = NULLIF(current_setting('aio.worklet_id', true), '')::BIGINT)
    WITH CHECK (worklet_id = NULLIF(current_setting('aio.worklet_id', true), '')::BIGINT);

-- The worklets' tokens, as SHA-256 digests: looked up by digest, so not scoped by worklet.
CREATE TABLE IF NOT EXISTS worklet_kv_tokens (
    worklet_id BIGINT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS worklet_kv_schema (version INTEGER NOT NULL);
INSERT INTO worklet_kv_schema (version)
    SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM worklet_kv_schema WHERE version >= 1);

GRANT SELECT, INSERT, UPDATE, DELETE ON worklet_kv_store, worklet_kv_tokens TO :"app_role";
GRANT SELECT ON worklet_kv_schema TO :"app_role";
