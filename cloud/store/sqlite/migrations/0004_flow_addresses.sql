-- 0004: flows found by address through the minutes each address was seen.
--
-- Indexing every flow by (tenant, address, minute), twice, put two inserts
-- per flow at random places of two indexes that grow all day, which made
-- them most of the cost of ingest. The address indexes now start with the
-- minute (each minute's entries go in together at the end), and a small
-- table lists in which minutes each address appears: a search by address
-- reads that list, then those minutes' flows by address. The (tenant,
-- minute) index stays for listings newest first.

CREATE TABLE flow_addresses (
    tenant_id INTEGER NOT NULL,
    ip        BLOB    NOT NULL,
    minute    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, ip, minute)
) WITHOUT ROWID;
-- Retention deletes by minute.
CREATE INDEX flow_addresses_minute ON flow_addresses (tenant_id, minute);

INSERT OR IGNORE INTO flow_addresses (tenant_id, ip, minute)
    SELECT tenant_id, src_ip, minute FROM flows WHERE src_ip IS NOT NULL
    UNION
    SELECT tenant_id, dst_ip, minute FROM flows WHERE dst_ip IS NOT NULL;

DROP INDEX flows_tenant_src_ip;
DROP INDEX flows_tenant_dst_ip;
CREATE INDEX flows_tenant_minute_src ON flows (tenant_id, minute, src_ip);
CREATE INDEX flows_tenant_minute_dst ON flows (tenant_id, minute, dst_ip);

-- The responder's VLAN of a conversation routed between VLANs (the mirror
-- showed its two directions on two VLANs; vlan is the initiator's); NULL
-- for every other flow.
ALTER TABLE flows ADD COLUMN dst_vlan INTEGER;
