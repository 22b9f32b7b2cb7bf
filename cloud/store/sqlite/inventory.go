package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	sqlitedriver "modernc.org/sqlite"

	"mimamori/cloud/store"
	"mimamori/edge/intel"
	"mimamori/edge/wire/wirepb"
)

// inventoryStmts are the ingest statements of the inventory tables
// (migration 0002), prepared once on the write connection.
type inventoryStmts struct {
	fingerprint  bulk
	identity     bulk
	conversation bulk
	ot           bulk
}

func (st *inventoryStmts) prepare(ctx context.Context, db *sql.DB) error {
	if err := st.fingerprint.prepare(ctx, db, `
			INSERT INTO device_fingerprints (tenant_id, mac, kind, value, ip, ttl, count, first_seen_us, last_seen_us)`, 1, 9, `
			ON CONFLICT (tenant_id, mac, kind, value, ip) DO UPDATE SET
				ttl = CASE WHEN excluded.last_seen_us >= last_seen_us THEN excluded.ttl ELSE ttl END,
				count = count + excluded.count,
				first_seen_us = min(first_seen_us, excluded.first_seen_us),
				last_seen_us = max(last_seen_us, excluded.last_seen_us)`); err != nil {
		return err
	}
	// An identity keeps its fields until a newer report names them.
	if err := st.identity.prepare(ctx, db, `
			INSERT INTO device_identities (tenant_id, protocol, ip, mac, vendor, product, model, serial,
				firmware, name, first_seen_us, last_seen_us)`, 1, 12, `
			ON CONFLICT (tenant_id, protocol, ip, mac) DO UPDATE SET
				vendor = CASE WHEN excluded.vendor <> '' THEN excluded.vendor ELSE vendor END,
				product = CASE WHEN excluded.product <> '' THEN excluded.product ELSE product END,
				model = CASE WHEN excluded.model <> '' THEN excluded.model ELSE model END,
				serial = CASE WHEN excluded.serial <> '' THEN excluded.serial ELSE serial END,
				firmware = CASE WHEN excluded.firmware <> '' THEN excluded.firmware ELSE firmware END,
				name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END,
				first_seen_us = min(first_seen_us, excluded.first_seen_us),
				last_seen_us = max(last_seen_us, excluded.last_seen_us)`); err != nil {
		return err
	}
	// Ports, MACs, VLAN and sensor are part of the key (see 0003_ot.sql
	// and 0005_ot_events_by_sensor.sql); a re-sent detail text costs no
	// call to the merge function.
	if err := st.ot.prepare(ctx, db, `
			INSERT INTO ot_events (tenant_id, day, sensor_id, protocol, code, src_ip, dst_ip, dst_port, src_mac, dst_mac,
				vlan, function, src_port_min, src_port_max, count, requests, responses, errors,
				first_seen_us, last_seen_us, details)`, 3, 21, `
			ON CONFLICT (tenant_id, day, sensor_id, protocol, code, src_ip, dst_ip, dst_port, src_mac, dst_mac, vlan)
			DO UPDATE SET
				function = CASE WHEN excluded.function <> '' THEN excluded.function ELSE function END,
				src_port_min = min(src_port_min, excluded.src_port_min),
				src_port_max = max(src_port_max, excluded.src_port_max),
				count = count + excluded.count,
				requests = requests + excluded.requests,
				responses = responses + excluded.responses,
				errors = errors + excluded.errors,
				first_seen_us = min(first_seen_us, excluded.first_seen_us),
				last_seen_us = max(last_seen_us, excluded.last_seen_us),
				details = CASE WHEN excluded.details = '' OR excluded.details = details THEN details
					ELSE mimamori_ot_details(details, excluded.details) END`); err != nil {
		return err
	}
	return st.conversation.prepare(ctx, db, `
			INSERT INTO conversations (tenant_id, day, client_ip, server_ip, proto, port, client_mac, server_mac,
				flows, minutes, client_packets, client_bytes, server_packets, server_bytes, server_tcp_flags,
				same_port, first_seen_us, last_seen_us)`, 2, 18, `
			ON CONFLICT (tenant_id, day, client_ip, server_ip, proto, port) DO UPDATE SET
				client_mac = coalesce(excluded.client_mac, client_mac),
				server_mac = coalesce(excluded.server_mac, server_mac),
				flows = flows + excluded.flows,
				minutes = minutes + excluded.minutes,
				client_packets = client_packets + excluded.client_packets,
				client_bytes = client_bytes + excluded.client_bytes,
				server_packets = server_packets + excluded.server_packets,
				server_bytes = server_bytes + excluded.server_bytes,
				server_tcp_flags = server_tcp_flags | excluded.server_tcp_flags,
				same_port = max(same_port, excluded.same_port),
				first_seen_us = min(first_seen_us, excluded.first_seen_us),
				last_seen_us = max(last_seen_us, excluded.last_seen_us)`)
}

func (st *inventoryStmts) close() error {
	return errors.Join(st.conversation.close(), st.fingerprint.close(), st.identity.close(), st.ot.close())
}

// announcements encodes a device's browser and link announcements for
// their blob columns; nil when absent.
func announcements(d *wirepb.Device) (browser, link []byte, err error) {
	if d.Browser != nil {
		if browser, err = proto.Marshal(d.Browser); err != nil {
			return nil, nil, err
		}
	}
	if d.Link != nil {
		if link, err = proto.Marshal(d.Link); err != nil {
			return nil, nil, err
		}
	}
	return browser, link, nil
}

// insertFingerprints stores a device's fingerprints of this minute; TCP
// signatures are kept in p0f notation with the TTL they arrived with.
func insertFingerprints(w *bulkWriter, mac string, d *wirepb.Device, first, last int64) error {
	for _, f := range d.Fingerprints {
		kind := intel.FingerprintKind(f.Kind)
		if kind == "" {
			continue
		}
		value := f.Text
		if kind == intel.KindTCPSYN || kind == intel.KindTCPSYNACK {
			value = intel.SignatureText(f.Tcp, f.Ttl)
		}
		if value == "" {
			continue
		}
		ip := ipKey(f.Ip)
		if ip == nil {
			ip = []byte{}
		}
		if err := w.add(mac, kind, value, ip, int64(min(f.Ttl, 255)), int64(max(f.Count, 1)), first, last); err != nil {
			return fmt.Errorf("fingerprint: %w", err)
		}
	}
	return nil
}

// dayOf is the start of the UTC day holding a minute, in Unix seconds.
func dayOf(minute int64) int64 { return minute - minute%86400 }

// convKey groups a batch's flows into conversation rows.
type convKey struct {
	client, server string
	proto          uint32
	port           uint32
}

type convSum struct {
	clientMAC, serverMAC []byte
	flows                int64
	clientPackets        uint64
	clientBytes          uint64
	serverPackets        uint64
	serverBytes          uint64
	flags                uint32
	samePort             bool
	first, last          int64
}

// ingestInventory adds a batch's identities, conversations and industrial
// events. Flows of one conversation in the minute are summed first: the
// minute counts once however many flows it had.
func (s *Store) ingestInventory(ctx context.Context, tx *sql.Tx, tid, sid int64, b *wirepb.Batch) error {
	minuteUS := b.Minute * 1e6
	day := dayOf(b.Minute)
	convs := map[convKey]*convSum{}
	var order []convKey
	for _, f := range b.Flows {
		client, server := ipKey(f.SrcIp), ipKey(f.DstIp)
		if client == nil || server == nil {
			continue
		}
		k := convKey{client: string(client), server: string(server), proto: f.IpProto}
		if f.IpProto == 6 || f.IpProto == 17 {
			k.port = f.DstPort
		}
		c := convs[k]
		if c == nil {
			c = &convSum{}
			convs[k] = c
			order = append(order, k)
		}
		if m := macBytes(f.SrcMac); m != nil {
			c.clientMAC = m
		}
		if m := macBytes(f.DstMac); m != nil {
			c.serverMAC = m
		}
		if f.State == wirepb.FlowState_FLOW_STATE_NEW {
			c.flows++
		}
		c.clientPackets += f.SrcPackets
		c.clientBytes += f.SrcBytes
		c.serverPackets += f.DstPackets
		c.serverBytes += f.DstBytes
		c.flags |= f.DstTcpFlags
		c.samePort = c.samePort || (k.port != 0 && f.SrcPort == f.DstPort)
		first := nsToUS(f.FirstUnixNs, minuteUS)
		last := max(nsToUS(f.LastUnixNs, first), first)
		if c.first == 0 || first < c.first {
			c.first = first
		}
		c.last = max(c.last, last)
	}
	conv := s.inv.conversation.writer(ctx, tx, tid, day)
	for _, k := range order {
		c := convs[k]
		if err := conv.add([]byte(k.client), []byte(k.server), int64(k.proto), int64(k.port),
			c.clientMAC, c.serverMAC, c.flows, int64(1), i64(c.clientPackets), i64(c.clientBytes),
			i64(c.serverPackets), i64(c.serverBytes), int64(c.flags&0xff), boolInt(c.samePort), c.first, c.last); err != nil {
			return fmt.Errorf("conversation: %w", err)
		}
	}
	if err := conv.flush(); err != nil {
		return fmt.Errorf("conversation: %w", err)
	}

	if err := insertOT(s.inv.ot.writer(ctx, tx, tid, day, sid), minuteUS, b); err != nil {
		return err
	}

	id := s.inv.identity.writer(ctx, tx, tid)
	for _, x := range b.Identities {
		if x.Protocol == "" {
			continue
		}
		seen := nsToUS(x.SeenUnixNs, minuteUS)
		if err := id.add(x.Protocol, blobOrEmpty(ipKey(x.Ip)), macString(x.Mac),
			x.Vendor, x.Product, x.Model, x.Serial, x.Firmware, x.Name, seen, seen); err != nil {
			return fmt.Errorf("identity: %w", err)
		}
	}
	if err := id.flush(); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	return nil
}

func blobOrEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// dayRange turns a time range into whole UTC days [from, to).
func dayRange(r store.TimeRange) (from, to int64) {
	from, to = 0, 1<<62
	if !r.From.IsZero() {
		from = dayOf(r.From.Unix())
	}
	if !r.To.IsZero() {
		t := r.To.Unix()
		to = dayOf(t)
		if t%86400 != 0 {
			to += 86400
		}
	}
	return from, to
}

// insertOT adds the batch's OT events to their days' rows. An event
// without a protocol id cannot be keyed and is skipped.
func insertOT(w *bulkWriter, minuteUS int64, b *wirepb.Batch) error {
	for _, e := range b.OtEvents {
		if e.Protocol == "" {
			continue
		}
		first := nsToUS(e.FirstUnixNs, minuteUS)
		last := max(nsToUS(e.LastUnixNs, first), first)
		src, dst := ipKey(e.SrcIp), ipKey(e.DstIp)
		var srcPort, dstPort uint32
		if src != nil || dst != nil {
			srcPort, dstPort = min(e.SrcPort, 65535), min(e.DstPort, 65535)
		}
		if err := w.add(e.Protocol, int64(e.Code),
			blobOrEmpty(src), blobOrEmpty(dst), int64(dstPort), blobOrEmpty(macBytes(e.SrcMac)), blobOrEmpty(macBytes(e.DstMac)),
			int64(min(e.Vlan, 4095)), e.Function, int64(srcPort), int64(srcPort),
			i64(e.Count), i64(e.Requests), i64(e.Responses), i64(e.Errors), first, last,
			store.OTDetailsText(e.Extras)); err != nil {
			return fmt.Errorf("ot event: %w", err)
		}
	}
	if err := w.flush(); err != nil {
		return fmt.Errorf("ot event: %w", err)
	}
	return nil
}

func init() {
	// The details merge of the OT upsert: registered with the driver, so
	// every connection the store opens has it.
	sqlitedriver.MustRegisterDeterministicScalarFunction("mimamori_ot_details", 2,
		func(_ *sqlitedriver.FunctionContext, args []driver.Value) (driver.Value, error) {
			return store.MergeOTDetails(detailArg(args[0]), detailArg(args[1])), nil
		})
}

func detailArg(v driver.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}
