-- 0005: OT events keyed by sensor right after the day.
--
-- The sensor was the last column of the key, so each sensor's rows of a
-- day lay interleaved with every other sensor's, and a minute's batch,
-- which upserts every event its sensor saw that minute, rewrote nearly
-- every page of the day's table: with nine sensors, nine times the pages
-- its own rows fill, each one written to the WAL and checkpointed again.
-- Keyed (tenant, day, sensor, ...) a batch's rows lie together. The key
-- holds the same columns, so rows stay as they are; queries read a
-- tenant's days through the key as before and group and sort the rows of
-- those days themselves.

CREATE TABLE ot_events_by_sensor (
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
    PRIMARY KEY (tenant_id, day, sensor_id, protocol, code, src_ip, dst_ip, dst_port, src_mac, dst_mac, vlan)
) WITHOUT ROWID;

INSERT INTO ot_events_by_sensor (tenant_id, day, protocol, code, src_ip, dst_ip, dst_port, src_mac, dst_mac,
    vlan, sensor_id, function, src_port_min, src_port_max, count, requests, responses, errors,
    first_seen_us, last_seen_us, details)
SELECT tenant_id, day, protocol, code, src_ip, dst_ip, dst_port, src_mac, dst_mac,
    vlan, sensor_id, function, src_port_min, src_port_max, count, requests, responses, errors,
    first_seen_us, last_seen_us, details
FROM ot_events;

DROP TABLE ot_events;
ALTER TABLE ot_events_by_sensor RENAME TO ot_events;
