-- 0001: the first schema.
--
-- Conventions:
--   * Columns ending in _us hold Unix microseconds (UTC); 0 means "never".
--     Microseconds are also what PostgreSQL keeps, so both stores agree.
--   * "minute" columns hold the Unix second at which a minute starts.
--   * IP addresses are blobs of 4 (IPv4) or 16 (IPv6) bytes. Blobs compare
--     with memcmp, so equality and CIDR ranges use the indexes, and IPv4
--     rows stay 24 bytes smaller than a 16-byte mapped form.
--   * Tenants and sensors are referred to by small integer ids, which keeps
--     the flow table (millions of rows per sensor per day, C5/C6) narrow.
--   * flows, batches and sensor_minutes carry no foreign keys: they are the
--     hot insert path and ingest writes only ids it has just resolved.

CREATE TABLE tenants (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,      -- the tenant ID used on the wire
    display_name TEXT    NOT NULL DEFAULT '',
    device_cap   INTEGER NOT NULL DEFAULT 0,   -- C2; 0 = the store default
    created_us   INTEGER NOT NULL
);

CREATE TABLE sensors (
    id               INTEGER PRIMARY KEY,
    tenant_id        INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,         -- the sensor ID used on the wire
    display_name     TEXT    NOT NULL DEFAULT '',
    software_version TEXT    NOT NULL DEFAULT '',
    last_seq         INTEGER NOT NULL DEFAULT 0,
    last_seen_us     INTEGER NOT NULL DEFAULT 0,  -- when the last batch arrived
    last_minute      INTEGER NOT NULL DEFAULT 0,  -- newest minute covered
    batches          INTEGER NOT NULL DEFAULT 0,
    month            TEXT    NOT NULL DEFAULT '', -- YYYY-MM (UTC) of month_bytes
    month_bytes      INTEGER NOT NULL DEFAULT 0,  -- C4 usage this month
    -- A wirepb.Batch holding only health, captures and restarts of the
    -- newest batch: protobuf keeps the blob readable as the schema grows.
    status           BLOB,
    created_us       INTEGER NOT NULL,
    UNIQUE (tenant_id, name)
);

-- The exactly-once key: IngestBatch inserts this row first and stops on a
-- conflict, so a replayed batch writes nothing.
CREATE TABLE batches (
    tenant_id       INTEGER NOT NULL,
    sensor_id       INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    minute          INTEGER NOT NULL,
    received_us     INTEGER NOT NULL,
    payload_bytes   INTEGER NOT NULL,
    flows           INTEGER NOT NULL,
    devices         INTEGER NOT NULL,
    names           INTEGER NOT NULL,
    devices_refused INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, sensor_id, seq)
) WITHOUT ROWID;

CREATE TABLE flows (
    id            INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL,
    sensor_id     INTEGER NOT NULL,
    minute        INTEGER NOT NULL,
    proto         INTEGER NOT NULL,
    src_ip        BLOB,
    src_port      INTEGER NOT NULL,
    dst_ip        BLOB,
    dst_port      INTEGER NOT NULL,
    src_mac       BLOB,                -- 6 bytes; text would double the row
    dst_mac       BLOB,
    vlan          INTEGER NOT NULL,
    src_packets   INTEGER NOT NULL,
    src_bytes     INTEGER NOT NULL,
    dst_packets   INTEGER NOT NULL,
    dst_bytes     INTEGER NOT NULL,
    src_tcp_flags INTEGER NOT NULL,
    dst_tcp_flags INTEGER NOT NULL,
    -- Offsets from the minute's start, in microseconds: 4 bytes instead of 8.
    first_us      INTEGER NOT NULL,
    last_us       INTEGER NOT NULL,
    is_new        INTEGER NOT NULL,
    ended         INTEGER NOT NULL
);
CREATE INDEX flows_tenant_minute ON flows (tenant_id, minute);
CREATE INDEX flows_tenant_src_ip ON flows (tenant_id, src_ip, minute);
CREATE INDEX flows_tenant_dst_ip ON flows (tenant_id, dst_ip, minute);

CREATE TABLE devices (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    mac           TEXT    NOT NULL,          -- aa:bb:cc:dd:ee:ff
    hostname      TEXT    NOT NULL DEFAULT '', -- newest non-empty DHCP hostname
    dhcp_vendor   TEXT    NOT NULL DEFAULT '',
    dhcp_params   BLOB,
    evidence      INTEGER NOT NULL DEFAULT 0,  -- OR of wirepb.Evidence bits
    vlan          INTEGER NOT NULL DEFAULT 0,
    first_seen_us INTEGER NOT NULL,
    last_seen_us  INTEGER NOT NULL,
    sent_packets  INTEGER NOT NULL DEFAULT 0,
    sent_bytes    INTEGER NOT NULL DEFAULT 0,
    recv_packets  INTEGER NOT NULL DEFAULT 0,
    recv_bytes    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, mac)
) WITHOUT ROWID;
CREATE INDEX devices_tenant_last_seen ON devices (tenant_id, last_seen_us DESC, mac);

CREATE TABLE device_ips (
    tenant_id     INTEGER NOT NULL,
    mac           TEXT    NOT NULL,
    ip            BLOB    NOT NULL,
    first_seen_us INTEGER NOT NULL,
    last_seen_us  INTEGER NOT NULL,
    evidence      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, mac, ip),
    FOREIGN KEY (tenant_id, mac) REFERENCES devices (tenant_id, mac) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX device_ips_tenant_ip ON device_ips (tenant_id, ip);

-- Which sensors observed a device.
CREATE TABLE device_sensors (
    tenant_id     INTEGER NOT NULL,
    mac           TEXT    NOT NULL,
    sensor_id     INTEGER NOT NULL REFERENCES sensors (id) ON DELETE CASCADE,
    first_seen_us INTEGER NOT NULL,
    last_seen_us  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, mac, sensor_id),
    FOREIGN KEY (tenant_id, mac) REFERENCES devices (tenant_id, mac) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE names (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    ip            BLOB    NOT NULL,
    name          TEXT    NOT NULL,
    source        TEXT    NOT NULL,          -- dns, nbns, mdns, llmnr, dhcp
    count         INTEGER NOT NULL,
    first_seen_us INTEGER NOT NULL,
    last_seen_us  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, ip, name, source)
) WITHOUT ROWID;
CREATE INDEX names_tenant_last_seen ON names (tenant_id, last_seen_us DESC);

-- One row per sensor and minute, for capture and host-health charts.
CREATE TABLE sensor_minutes (
    tenant_id      INTEGER NOT NULL,
    sensor_id      INTEGER NOT NULL,
    minute         INTEGER NOT NULL,
    packets        INTEGER NOT NULL,         -- sums over the capture sources
    bytes          INTEGER NOT NULL,
    kernel_drops   INTEGER NOT NULL,
    decode_errors  INTEGER NOT NULL,
    non_ip_packets INTEGER NOT NULL,
    flows_active   INTEGER NOT NULL,
    flows_expired  INTEGER NOT NULL,
    flows_evicted  INTEGER NOT NULL,
    status         BLOB,                     -- as sensors.status
    PRIMARY KEY (tenant_id, sensor_id, minute)
) WITHOUT ROWID;

CREATE TABLE users (
    email         TEXT    NOT NULL COLLATE NOCASE PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    display_name  TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL DEFAULT '',
    admin         INTEGER NOT NULL DEFAULT 0,
    created_us    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE sessions (
    token_hash BLOB    NOT NULL PRIMARY KEY,  -- SHA-256 of the cookie token
    email      TEXT    NOT NULL COLLATE NOCASE REFERENCES users (email) ON DELETE CASCADE,
    tenant_id  INTEGER NOT NULL,
    created_us INTEGER NOT NULL,
    expires_us INTEGER NOT NULL,
    mfa_done   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX sessions_email ON sessions (email);
CREATE INDEX sessions_expires ON sessions (expires_us);
