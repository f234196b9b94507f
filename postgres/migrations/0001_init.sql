-- tls-srp-postgres schema, version 1. Applied by PgStore::connect (and `tls-srp passwd
-- ... --store URL`) inside one transaction, under an advisory lock, when
-- tls_srp_schema has no version 1 row; safe to run by hand with psql.

CREATE TABLE IF NOT EXISTS tls_srp_schema (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- One row per user: the RFC 5054 group by its size, the salt and the verifier v = g^x mod N.
-- A revoked user is kept (like `openssl srp -delete`) and cannot log in.
CREATE TABLE IF NOT EXISTS tls_srp_users (
    username   text PRIMARY KEY CHECK (octet_length(username) BETWEEN 1 AND 255),
    group_bits integer NOT NULL CHECK (group_bits IN (1024, 1536, 2048, 3072, 4096, 6144, 8192)),
    salt       bytea NOT NULL CHECK (octet_length(salt) BETWEEN 1 AND 255),
    verifier   bytea NOT NULL,
    revoked    boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every change is announced on channel tls_srp_users with the username as payload: each
-- server drops that user from its cache.
CREATE OR REPLACE FUNCTION tls_srp_users_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('tls_srp_users', OLD.username);
    ELSE
        PERFORM pg_notify('tls_srp_users', NEW.username);
        IF TG_OP = 'UPDATE' AND OLD.username <> NEW.username THEN
            PERFORM pg_notify('tls_srp_users', OLD.username);
        END IF;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS tls_srp_users_notify ON tls_srp_users;
CREATE TRIGGER tls_srp_users_notify AFTER INSERT OR UPDATE OR DELETE ON tls_srp_users
    FOR EACH ROW EXECUTE FUNCTION tls_srp_users_notify();

-- Server secrets: 'simulation' (32 bytes) derives unknown users' salts, the same on every
-- server.
CREATE TABLE IF NOT EXISTS tls_srp_secrets (
    name       text PRIMARY KEY,
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- RFC 5077 ticket keys, newest last: the newest seals, the two newest open. One server
-- makes the next one when the newest is older than the rotation period (announced on
-- channel tls_srp_ticket_keys).
CREATE TABLE IF NOT EXISTS tls_srp_ticket_keys (
    id         bigserial PRIMARY KEY,
    name       bytea NOT NULL UNIQUE CHECK (octet_length(name) = 16),
    key        bytea NOT NULL CHECK (octet_length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Failed logins per username ('user') and per client address ('ip', IPv6 by /64), added to
-- atomically; a success clears the username's row. Each change is also announced on
-- channel tls_srp_limiter so that the other servers count it at once.
CREATE TABLE IF NOT EXISTS tls_srp_failures (
    kind       text NOT NULL CHECK (kind IN ('user', 'ip')),
    key        text NOT NULL,
    failures   integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, key)
);

INSERT INTO tls_srp_schema (version) VALUES (1) ON CONFLICT DO NOTHING;
