-- 0003: industrial-protocol events for the OT protocol lists (V5-1, V5-2)
-- and the analyst.
--
-- One row per tenant, UTC day, protocol, function code, source,
-- destination, destination port, MACs, VLAN and sensor, summed over the
-- day's minutes. The daily grain keeps a year of PLC polling small: a
-- poll that runs every second of every day is one row a day, not 86,400.
--
-- Ports: the destination port is the responder's (the server's) port and
-- part of the key: it tells which service was used. The source port of a
-- client is ephemeral and would make a row per connection, so only the
-- range of source ports seen (src_port_min..src_port_max) is kept; a
-- fixed source port (FINS/UDP 9600 -> 9600) shows as a range of one.
--
-- MACs are part of the key for IP protocols too: the MAC a PLC's address
-- answers from changing (a replaced module, or an impostor) starts a row
-- of its own.
--
-- details: the protocol details of the day's events ("unit_id=1
-- write_range=D:100-131"), merged on every upsert by the Go function
-- mimamori_ot_details (store.MergeOTDetails): per key the distinct values
-- in the order first seen, at most 8 (the first 7 and the newest), at most
-- 1 KiB in all.
--
-- Queries read a tenant's days through the primary key (tenant_id, day,
-- ...) and filter the rows of those days; no further index is kept, as a
-- week of a tenant is some tens of thousands of rows and every index would
-- slow the upsert of every event.
--
-- ot_events replaces ot_activity (0002), which had the same rows without
-- ports, VLAN, sensor and details: its rows move here under sensor 0.
CREATE TABLE ot_events (
    tenant_id     INTEGER NOT NULL,
    day           INTEGER NOT NULL,  -- Unix seconds of the UTC day's start
    protocol      TEXT    NOT NULL,
    code          INTEGER NOT NULL,
    src_ip        BLOB    NOT NULL,  -- empty for layer-2 protocols
    dst_ip        BLOB    NOT NULL,
    dst_port      INTEGER NOT NULL,  -- 0 for layer-2 protocols
    src_mac       BLOB    NOT NULL,  -- 6 bytes; empty when unknown
    dst_mac       BLOB    NOT NULL,
    vlan          INTEGER NOT NULL,
    sensor_id     INTEGER NOT NULL,
    function      TEXT    NOT NULL,
    src_port_min  INTEGER NOT NULL,
    src_port_max  INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    requests      INTEGER NOT NULL,
    responses     INTEGER NOT NULL,
    errors        INTEGER NOT NULL,
    first_seen_us INTEGER NOT NULL,
    last_seen_us  INTEGER NOT NULL,
    details       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, day, protocol, code, src_ip, dst_ip, dst_port, src_mac, dst_mac, vlan, sensor_id)
) WITHOUT ROWID;

INSERT INTO ot_events (tenant_id, day, protocol, code, src_ip, dst_ip, dst_port, src_mac, dst_mac, vlan,
    sensor_id, function, src_port_min, src_port_max, count, requests, responses, errors,
    first_seen_us, last_seen_us, details)
SELECT tenant_id, day, protocol, code, src_ip, dst_ip, 0, src_mac, dst_mac, 0,
    0, function, 0, 0, count, requests, responses, errors,
    first_seen_us, last_seen_us, ''
FROM ot_activity;

DROP TABLE ot_activity;
