-- 0002: device inventory (V1-1..V1-6, V4-1..V4-6, S1-5).
--
-- The sensor forwards evidence, not conclusions: fingerprints, self-
-- descriptions, identities and traffic. Inference (edge/intel) runs on
-- these tables when the portal asks, so better signatures improve old data
-- too and sensors never need updating for them.

-- The newest self-descriptions of each device, as protobuf blobs
-- (wirepb.BrowserAnnouncement, wirepb.LinkAnnouncement), the link-layer
-- protocols it was seen sending, and the highest TTL of its unicast
-- packets.
ALTER TABLE devices ADD COLUMN browser BLOB;
ALTER TABLE devices ADD COLUMN link BLOB;
ALTER TABLE devices ADD COLUMN l2_protocols INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN max_ttl INTEGER NOT NULL DEFAULT 0;

-- Fingerprints a device sent: TCP SYN and SYN+ACK signatures in p0f
-- notation with the TTL as captured, and HTTP and SSDP header values. One
-- row per distinct value and source address.
CREATE TABLE device_fingerprints (
    tenant_id     INTEGER NOT NULL,
    mac           TEXT    NOT NULL,
    kind          TEXT    NOT NULL,  -- tcp_syn, tcp_synack, http_user_agent, http_server, ssdp_server, ssdp_user_agent
    value         TEXT    NOT NULL,
    ip            BLOB    NOT NULL,  -- the packet's source address (4 or 16 bytes)
    ttl           INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    first_seen_us INTEGER NOT NULL,
    last_seen_us  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, mac, kind, value, ip),
    FOREIGN KEY (tenant_id, mac) REFERENCES devices (tenant_id, mac) ON DELETE CASCADE
) WITHOUT ROWID;

-- What devices said about themselves in industrial protocols. mac is ''
-- when the protocol carried none; the device is then found by address.
CREATE TABLE device_identities (
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    protocol      TEXT    NOT NULL,
    ip            BLOB    NOT NULL,  -- empty for layer-2 protocols
    mac           TEXT    NOT NULL,
    vendor        TEXT    NOT NULL DEFAULT '',
    product       TEXT    NOT NULL DEFAULT '',
    model         TEXT    NOT NULL DEFAULT '',
    serial        TEXT    NOT NULL DEFAULT '',
    firmware      TEXT    NOT NULL DEFAULT '',
    name          TEXT    NOT NULL DEFAULT '',
    first_seen_us INTEGER NOT NULL,
    last_seen_us  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, protocol, ip, mac)
) WITHOUT ROWID;

-- Conversations summed per UTC day: who talked to which service of whom.
-- The communication graph behind roles and importance, and the rankings'
-- source; a few rows per pair and day where flows have one per minute.
CREATE TABLE conversations (
    tenant_id        INTEGER NOT NULL,
    day              INTEGER NOT NULL,  -- Unix seconds of the UTC day's start
    client_ip        BLOB    NOT NULL,
    server_ip        BLOB    NOT NULL,
    proto            INTEGER NOT NULL,
    port             INTEGER NOT NULL,  -- server port; 0 without ports
    client_mac       BLOB,
    server_mac       BLOB,
    flows            INTEGER NOT NULL,  -- flows started
    minutes          INTEGER NOT NULL,  -- minutes with traffic
    client_packets   INTEGER NOT NULL,
    client_bytes     INTEGER NOT NULL,
    server_packets   INTEGER NOT NULL,
    server_bytes     INTEGER NOT NULL,
    server_tcp_flags INTEGER NOT NULL,
    same_port        INTEGER NOT NULL,  -- 1 when flows used the server port on both sides
    first_seen_us    INTEGER NOT NULL,
    last_seen_us     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day, client_ip, server_ip, proto, port)
) WITHOUT ROWID;

-- Industrial-protocol activity summed per UTC day and function.
CREATE TABLE ot_activity (
    tenant_id     INTEGER NOT NULL,
    day           INTEGER NOT NULL,
    protocol      TEXT    NOT NULL,
    code          INTEGER NOT NULL,
    function      TEXT    NOT NULL,
    src_ip        BLOB    NOT NULL,  -- empty for layer-2 protocols
    dst_ip        BLOB    NOT NULL,
    src_mac       BLOB    NOT NULL,  -- empty when unknown
    dst_mac       BLOB    NOT NULL,
    count         INTEGER NOT NULL,
    requests      INTEGER NOT NULL,
    responses     INTEGER NOT NULL,
    errors        INTEGER NOT NULL,
    first_seen_us INTEGER NOT NULL,
    last_seen_us  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day, protocol, code, src_ip, dst_ip, src_mac, dst_mac)
) WITHOUT ROWID;

-- A tenant's own names for TCP/UDP ports (S1-5), overriding the built-in
-- IANA and OT names.
CREATE TABLE service_names (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    proto       INTEGER NOT NULL,
    port        INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    updated_us  INTEGER NOT NULL,
    updated_by  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, proto, port)
) WITHOUT ROWID;
