package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"mimamori/cloud/store"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

// ingestStmts are the statements of the ingest path, prepared once on the
// write connection. Preparing them per batch would parse the same SQL
// thousands of times a minute.
type ingestStmts struct {
	batch        *sql.Stmt
	batchRefused *sql.Stmt
	flows        bulk
	flowAddrs    bulk
	deviceCount  *sql.Stmt
	device       bulk
	deviceIP     bulk
	deviceSensor bulk
	name         *sql.Stmt
	sensorMinute *sql.Stmt
	sensor       *sql.Stmt
}

func (st *ingestStmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		dst *(*sql.Stmt)
		sql string
	}{
		{&st.batch, `
			INSERT INTO batches (tenant_id, sensor_id, seq, minute, received_us, payload_bytes, flows, devices, names)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, sensor_id, seq) DO NOTHING`},
		{&st.batchRefused, `
			UPDATE batches SET devices_refused = ? WHERE tenant_id = ? AND sensor_id = ? AND seq = ?`},
		{&st.deviceCount, `SELECT count(*) FROM devices WHERE tenant_id = ?`},
		// In an upsert every reference to a bare column reads the row as
		// it was before this statement, so the CASE tests compare the
		// stored last_seen with the incoming one.
		{&st.name, `
			INSERT INTO names (tenant_id, ip, name, source, count, first_seen_us, last_seen_us)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, ip, name, source) DO UPDATE SET
				count = count + excluded.count,
				first_seen_us = min(first_seen_us, excluded.first_seen_us),
				last_seen_us = max(last_seen_us, excluded.last_seen_us)`},
		// Two batches can cover the same minute (a sensor restarting
		// mid-minute), so counters add up and the newer status wins —
		// unless the newer batch has no capture statistics (the last
		// parameter is 0): what a sensor held back and sends as it stops
		// goes in a batch of its own for its last minute, which must not
		// blank that minute's statistics.
		{&st.sensorMinute, `
			INSERT INTO sensor_minutes (tenant_id, sensor_id, minute, packets, bytes, kernel_drops,
				decode_errors, non_ip_packets, flows_active, flows_expired, flows_evicted, status)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
			ON CONFLICT (tenant_id, sensor_id, minute) DO UPDATE SET
				packets = packets + excluded.packets,
				bytes = bytes + excluded.bytes,
				kernel_drops = kernel_drops + excluded.kernel_drops,
				decode_errors = decode_errors + excluded.decode_errors,
				non_ip_packets = non_ip_packets + excluded.non_ip_packets,
				flows_active = CASE WHEN ?13 THEN excluded.flows_active ELSE flows_active END,
				flows_expired = flows_expired + excluded.flows_expired,
				flows_evicted = flows_evicted + excluded.flows_evicted,
				status = CASE WHEN ?13 THEN excluded.status ELSE status END`},
		// The status, software version and newest minute come from the
		// batch the sensor sealed last, the highest sequence number, not
		// the latest minute: a sensor whose clock was set back keeps
		// showing its state. Batches resent or replayed out of order
		// still count towards usage and the batch total. A batch without
		// capture statistics for the same minute (see sensorMinute) keeps
		// the status that has them.
		{&st.sensor, `
			UPDATE sensors SET
				status = CASE WHEN ?1 > last_seq AND (?3 OR ?2 <> last_minute) THEN ?4 ELSE status END,
				software_version = CASE WHEN ?1 > last_seq AND ?5 <> '' THEN ?5 ELSE software_version END,
				last_minute = CASE WHEN ?1 > last_seq THEN ?2 ELSE last_minute END,
				last_seq = max(last_seq, ?1),
				last_seen_us = ?6,
				batches = batches + 1,
				month_bytes = CASE WHEN month = ?7 THEN month_bytes + ?8 ELSE ?8 END,
				month = ?7
			WHERE id = ?9`},
	} {
		stmt, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		*p.dst = stmt
	}
	if err := st.device.prepare(ctx, db, `
			INSERT INTO devices (tenant_id, mac, hostname, dhcp_vendor, dhcp_params, evidence, vlan,
				first_seen_us, last_seen_us, sent_packets, sent_bytes, recv_packets, recv_bytes,
				browser, link, l2_protocols, max_ttl)`, 1, 17, `
			ON CONFLICT (tenant_id, mac) DO UPDATE SET
				browser = CASE WHEN excluded.browser IS NOT NULL
					AND (browser IS NULL OR excluded.last_seen_us >= last_seen_us)
					THEN excluded.browser ELSE browser END,
				link = CASE WHEN excluded.link IS NOT NULL
					AND (link IS NULL OR excluded.last_seen_us >= last_seen_us)
					THEN excluded.link ELSE link END,
				l2_protocols = l2_protocols | excluded.l2_protocols,
				max_ttl = max(max_ttl, excluded.max_ttl),
				hostname = CASE WHEN excluded.hostname <> ''
					AND (hostname = '' OR excluded.last_seen_us >= last_seen_us)
					THEN excluded.hostname ELSE hostname END,
				dhcp_vendor = CASE WHEN excluded.dhcp_vendor <> ''
					AND (dhcp_vendor = '' OR excluded.last_seen_us >= last_seen_us)
					THEN excluded.dhcp_vendor ELSE dhcp_vendor END,
				dhcp_params = CASE WHEN length(excluded.dhcp_params) > 0
					AND (dhcp_params IS NULL OR excluded.last_seen_us >= last_seen_us)
					THEN excluded.dhcp_params ELSE dhcp_params END,
				vlan = CASE WHEN excluded.vlan <> 0
					AND (vlan = 0 OR excluded.last_seen_us >= last_seen_us)
					THEN excluded.vlan ELSE vlan END,
				evidence = evidence | excluded.evidence,
				first_seen_us = min(first_seen_us, excluded.first_seen_us),
				last_seen_us = max(last_seen_us, excluded.last_seen_us),
				sent_packets = sent_packets + excluded.sent_packets,
				sent_bytes = sent_bytes + excluded.sent_bytes,
				recv_packets = recv_packets + excluded.recv_packets,
				recv_bytes = recv_bytes + excluded.recv_bytes`); err != nil {
		return err
	}
	if err := st.deviceIP.prepare(ctx, db, `
			INSERT INTO device_ips (tenant_id, mac, ip, first_seen_us, last_seen_us, evidence)`, 1, 6, `
			ON CONFLICT (tenant_id, mac, ip) DO UPDATE SET
				first_seen_us = min(first_seen_us, excluded.first_seen_us),
				last_seen_us = max(last_seen_us, excluded.last_seen_us),
				evidence = evidence | excluded.evidence`); err != nil {
		return err
	}
	if err := st.deviceSensor.prepare(ctx, db, `
			INSERT INTO device_sensors (tenant_id, sensor_id, mac, first_seen_us, last_seen_us)`, 2, 5, `
			ON CONFLICT (tenant_id, mac, sensor_id) DO UPDATE SET
				first_seen_us = min(first_seen_us, excluded.first_seen_us),
				last_seen_us = max(last_seen_us, excluded.last_seen_us)`); err != nil {
		return err
	}
	// OR FAIL: see insertFlows.
	if err := st.flowAddrs.prepare(ctx, db, `INSERT OR FAIL INTO flow_addresses (tenant_id, minute, ip)`, 2, 3,
		`ON CONFLICT DO NOTHING`); err != nil {
		return err
	}
	return st.flows.prepare(ctx, db, `
		INSERT OR FAIL INTO flows (tenant_id, sensor_id, minute, proto, src_ip, src_port, dst_ip, dst_port,
			src_mac, dst_mac, vlan, src_packets, src_bytes, dst_packets, dst_bytes,
			src_tcp_flags, dst_tcp_flags, first_us, last_us, is_new, ended, dst_vlan)`, 3, 22, "")
}

func (st *ingestStmts) close() error {
	errs := []error{st.flows.close(), st.flowAddrs.close(), st.device.close(), st.deviceIP.close(), st.deviceSensor.close()}
	for _, stmt := range []*sql.Stmt{st.batch, st.batchRefused, st.deviceCount,
		st.name, st.sensorMinute, st.sensor} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(errs...)
}

// IngestBatch implements store.Store.
func (s *Store) IngestBatch(ctx context.Context, tenant string, b *wirepb.Batch, payloadBytes int) (store.IngestResult, error) {
	if err := checkBatch(tenant, b); err != nil {
		return store.IngestResult{}, fmt.Errorf("sqlite: ingest: %w", err)
	}
	now := s.now()
	payloadBytes = max(payloadBytes, 0)
	var res store.IngestResult
	var added newDevices
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		added = newDevices{}
		res, err = s.ingest(ctx, tx, tenant, b, payloadBytes, now, &added)
		return err
	})
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("sqlite: ingest %s/%s seq %d: %w", tenant, b.Sensor, b.Seq, err)
	}
	s.known.add(added.tid, added.macs)
	return res, nil
}

// newDevices are the devices a batch added to its tenant, as far as the
// device cap check saw them; see knownDevices.
type newDevices struct {
	tid  int64
	macs []string
}

func checkBatch(tenant string, b *wirepb.Batch) error {
	switch {
	case b == nil:
		return errors.New("nil batch")
	case tenant == "":
		return errors.New("empty tenant")
	case b.Tenant != "" && b.Tenant != tenant:
		return fmt.Errorf("batch names tenant %q, stored under %q", b.Tenant, tenant)
	case b.Sensor == "":
		return errors.New("batch has no sensor")
	case b.Seq == 0:
		return errors.New("batch has no sequence number")
	}
	return nil
}

// ingest writes one batch inside tx; see IngestBatch. It records in
// added the devices the batch adds that the device cap check saw.
func (s *Store) ingest(ctx context.Context, tx *sql.Tx, tenant string, b *wirepb.Batch, payloadBytes int, now time.Time, added *newDevices) (store.IngestResult, error) {
	var res store.IngestResult
	nowUS := now.UnixMicro()
	tid, tenantCap, err := ensureTenantID(ctx, tx, tenant, nowUS)
	if err != nil {
		return res, err
	}
	added.tid = tid
	sid, err := ensureSensorID(ctx, tx, tid, b.Sensor, nowUS)
	if err != nil {
		return res, err
	}
	st := &s.stmts

	// The exactly-once key goes first: on a conflict nothing else has been
	// written and the caller rolls back an empty transaction.
	r, err := tx.StmtContext(ctx, st.batch).ExecContext(ctx, tid, sid, i64(b.Seq), b.Minute, nowUS,
		payloadBytes, len(b.Flows), len(b.Devices), len(b.Names))
	if err != nil {
		return res, fmt.Errorf("batch key: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return res, fmt.Errorf("batch key: %w", err)
	} else if n == 0 {
		return res, store.ErrDuplicate
	}

	minuteUS := b.Minute * 1e6
	if res.Flows, err = insertFlows(st.flows.writer(ctx, tx, tid, sid, b.Minute), st.flowAddrs.writer(ctx, tx, tid, b.Minute), b); err != nil {
		return res, err
	}
	deviceCap := tenantCap
	if deviceCap <= 0 {
		deviceCap = s.deviceCap
	}
	if res.Devices, res.DevicesRefused, err = s.mergeDevices(ctx, tx, st, tid, sid, b, minuteUS, deviceCap, added); err != nil {
		return res, err
	}
	if err := s.ingestInventory(ctx, tx, tid, sid, b); err != nil {
		return res, err
	}
	if res.DevicesRefused > 0 {
		if _, err := tx.StmtContext(ctx, st.batchRefused).ExecContext(ctx,
			res.DevicesRefused, tid, sid, i64(b.Seq)); err != nil {
			return res, fmt.Errorf("batch key: %w", err)
		}
	}
	if res.Names, err = mergeNames(ctx, tx.StmtContext(ctx, st.name), tid, b, minuteUS); err != nil {
		return res, err
	}

	status, err := proto.Marshal(&wirepb.Batch{Health: b.Health, Captures: b.Captures, Restarts: b.Restarts, Modem: b.Modem})
	if err != nil {
		return res, fmt.Errorf("sensor status: %w", err)
	}
	hasStats := len(b.Captures) > 0
	var c wirepb.CaptureStats
	for _, cs := range b.Captures {
		c.Packets += cs.Packets
		c.Bytes += cs.Bytes
		c.KernelDrops += cs.KernelDrops
		c.DecodeErrors += cs.DecodeErrors
		c.NonIpPackets += cs.NonIpPackets
		c.FlowsActive += cs.FlowsActive
		c.FlowsExpired += cs.FlowsExpired
		c.FlowsEvicted += cs.FlowsEvicted
	}
	if _, err := tx.StmtContext(ctx, st.sensorMinute).ExecContext(ctx, tid, sid, b.Minute,
		i64(c.Packets), i64(c.Bytes), i64(c.KernelDrops), i64(c.DecodeErrors), i64(c.NonIpPackets),
		i64(c.FlowsActive), i64(c.FlowsExpired), i64(c.FlowsEvicted), status, hasStats); err != nil {
		return res, fmt.Errorf("sensor minute: %w", err)
	}

	month := now.UTC().Format("2006-01")
	if _, err := tx.StmtContext(ctx, st.sensor).ExecContext(ctx,
		i64(b.Seq), b.Minute, hasStats, status, b.SoftwareVersion, nowUS, month, payloadBytes, sid); err != nil {
		return res, fmt.Errorf("sensor counters: %w", err)
	}
	return res, nil
}

// insertFlows stores the batch's flow rows, and the minute for each of
// their addresses (flow_addresses, what a search by address starts from).
// Flow times are kept as microsecond offsets from the minute; an unset
// first time falls back to the minute's start and an unset last time to
// the first.
//
// Both statements are INSERT OR FAIL: a row that breaks a constraint
// fails the statement without undoing the rows before it, and the whole
// batch's transaction is rolled back, so the outcome is the same as with
// the default ABORT. ABORT would make SQLite keep a statement journal (a
// copy of every page a 64-row statement touches, to undo just that
// statement), which was a fifth of the cost of writing flows.
func insertFlows(w, addrs *bulkWriter, b *wirepb.Batch) (int, error) {
	minuteUS := b.Minute * 1e6
	seen := make(map[string]bool, len(b.Flows)/2)
	for _, f := range b.Flows {
		for _, raw := range [2][]byte{f.SrcIp, f.DstIp} {
			ip := ipKey(raw)
			if ip == nil || seen[string(ip)] {
				continue
			}
			seen[string(ip)] = true
			if err := addrs.add(ip); err != nil {
				return 0, fmt.Errorf("flow address: %w", err)
			}
		}
		first := nsToUS(f.FirstUnixNs, minuteUS)
		last := max(nsToUS(f.LastUnixNs, first), first)
		if err := w.add(int64(f.IpProto),
			ipKey(f.SrcIp), int64(f.SrcPort), ipKey(f.DstIp), int64(f.DstPort),
			macBytes(f.SrcMac), macBytes(f.DstMac), int64(f.Vlan),
			i64(f.SrcPackets), i64(f.SrcBytes), i64(f.DstPackets), i64(f.DstBytes),
			int64(f.SrcTcpFlags), int64(f.DstTcpFlags), first-minuteUS, last-minuteUS,
			boolInt(f.State == wirepb.FlowState_FLOW_STATE_NEW), boolInt(f.Ended), dstVLAN(f)); err != nil {
			return 0, fmt.Errorf("flow: %w", err)
		}
	}
	if err := w.flush(); err != nil {
		return 0, fmt.Errorf("flow: %w", err)
	}
	if err := addrs.flush(); err != nil {
		return 0, fmt.Errorf("flow address: %w", err)
	}
	return len(b.Flows), nil
}

// mergeDevices merges the batch's device observations into the tenant's
// devices, their addresses and the sensors that saw them, refusing new
// devices beyond deviceCap (C2). The new devices it admits while checking
// the cap go to added.
func (s *Store) mergeDevices(ctx context.Context, tx *sql.Tx, st *ingestStmts, tid, sid int64, b *wirepb.Batch, minuteUS int64, deviceCap int, added *newDevices) (merged, refused int, err error) {
	if len(b.Devices) == 0 {
		return 0, 0, nil
	}
	var count int
	if err := tx.StmtContext(ctx, st.deviceCount).QueryRowContext(ctx, tid).Scan(&count); err != nil {
		return 0, 0, fmt.Errorf("device count: %w", err)
	}
	// Only when the batch could cross the cap is each device looked up,
	// in the set of the tenant's stored devices; otherwise the check costs
	// one count per batch.
	checkNew := count+len(b.Devices) > deviceCap
	var known map[string]struct{}
	if checkNew {
		if known, err = s.known.lookup(ctx, tx, tid, count); err != nil {
			return 0, 0, err
		}
	}
	admitted := make(map[string]bool)
	refusedMACs := make(map[string]bool)
	device := st.device.writer(ctx, tx, tid)
	// Addresses, sensors and fingerprints refer to their device, so they
	// are written once every device is.
	deviceIP := st.deviceIP.held(ctx, tx, tid)
	deviceSensor := st.deviceSensor.held(ctx, tx, tid, sid)
	type fingerprinted struct {
		mac         string
		d           *wirepb.Device
		first, last int64
	}
	var prints []fingerprinted
	for _, d := range b.Devices {
		mac := macString(d.Mac)
		if mac == "" {
			continue // not a MAC; nothing to key the device on
		}
		if checkNew && !admitted[mac] {
			if refusedMACs[mac] {
				continue
			}
			if _, ok := known[mac]; !ok {
				if count >= deviceCap {
					refusedMACs[mac] = true
					refused++
					continue
				}
				count++
				added.macs = append(added.macs, mac)
			}
			admitted[mac] = true
		}

		first := nsToUS(d.FirstUnixNs, minuteUS)
		last := max(nsToUS(d.LastUnixNs, first), first)
		var params []byte
		if len(d.DhcpParams) > 0 {
			params = d.DhcpParams
		}
		browser, link, err := announcements(d)
		if err != nil {
			return 0, 0, fmt.Errorf("device %s: %w", mac, err)
		}
		if err := device.add(mac, d.DhcpHostname, d.DhcpVendorClass, params,
			int64(d.Evidence), int64(d.Vlan), first, last,
			i64(d.SentPackets), i64(d.SentBytes), i64(d.RecvPackets), i64(d.RecvBytes),
			browser, link, int64(d.L2Protocols), int64(min(d.MaxTtl, 255))); err != nil {
			return 0, 0, fmt.Errorf("device %s: %w", mac, err)
		}
		if len(d.Fingerprints) > 0 {
			prints = append(prints, fingerprinted{mac, d, first, last})
		}
		for _, raw := range d.Ips {
			ip := ipKey(raw)
			if ip == nil {
				continue
			}
			if err := deviceIP.add(mac, ip, first, last, int64(d.Evidence)); err != nil {
				return 0, 0, fmt.Errorf("device %s address: %w", mac, err)
			}
		}
		if err := deviceSensor.add(mac, first, last); err != nil {
			return 0, 0, fmt.Errorf("device %s sensor: %w", mac, err)
		}
		merged++
	}
	for _, w := range []*bulkWriter{device, deviceIP, deviceSensor} {
		if err := w.flush(); err != nil {
			return 0, 0, fmt.Errorf("devices: %w", err)
		}
	}
	fingerprint := s.inv.fingerprint.writer(ctx, tx, tid)
	for _, p := range prints {
		if err := insertFingerprints(fingerprint, p.mac, p.d, p.first, p.last); err != nil {
			return 0, 0, fmt.Errorf("device %s: %w", p.mac, err)
		}
	}
	if err := fingerprint.flush(); err != nil {
		return 0, 0, fmt.Errorf("devices: fingerprint: %w", err)
	}
	return merged, refused, nil
}

// mergeNames adds the batch's name bindings; a binding without a count was
// still seen once.
func mergeNames(ctx context.Context, stmt *sql.Stmt, tid int64, b *wirepb.Batch, minuteUS int64) (int, error) {
	n := 0
	for _, nm := range b.Names {
		ip := ipKey(nm.Ip)
		if ip == nil || nm.Name == "" {
			continue
		}
		first := nsToUS(nm.FirstUnixNs, minuteUS)
		last := max(nsToUS(nm.LastUnixNs, first), first)
		if _, err := stmt.ExecContext(ctx, tid, ip, nm.Name, wire.NameSourceString(nm.Source),
			max(nm.Count, 1), first, last); err != nil {
			return 0, fmt.Errorf("name %s: %w", nm.Name, err)
		}
		n++
	}
	return n, nil
}

// boolInt is a boolean column's value. Like every number the ingest path
// binds, it is an int64: database/sql passes int64 straight to the
// driver, where any other integer type goes through its reflection-based
// converter, once per value (about 50,000 values a batch at the
// specification's load).
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// dstVLAN is a flow's dst_vlan column: the responder's VLAN of a routed
// flow, NULL otherwise.
func dstVLAN(f *wirepb.Flow) any {
	if !f.Routed {
		return nil
	}
	return int64(f.DstVlan)
}
