package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"google.golang.org/protobuf/proto"

	"mimamori/cloud/store"
	"mimamori/edge/wire/wirepb"
)

// filter collects the WHERE clause of a query and its arguments.
type filter struct {
	conds []string
	args  []any
}

func (f *filter) add(cond string, args ...any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, args...)
}

func (f *filter) where() string { return strings.Join(f.conds, " AND ") }

// ipCond matches column against an exact address or a CIDR prefix given as
// text; ok is false if s is neither.
func ipCond(column, s string) (cond string, args []any, ok bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return column + " = ?", []any{addrKey(a)}, true
	}
	if p, ok := parsePrefix(s); ok {
		cond, args := prefixCond(column, p)
		return cond, args, true
	}
	return "", nil, false
}

// prefixCond is the condition that column holds a key inside p, and its
// arguments.
func prefixCond(column string, p netip.Prefix) (string, []any) {
	lo, hi := prefixRange(p)
	// The length test keeps IPv6 keys that begin with the same bytes out
	// of an IPv4 range.
	return fmt.Sprintf("(%s BETWEEN ? AND ? AND length(%s) = ?)", column, column), []any{lo, hi, len(lo)}
}

// defaultBroadMinutes is how many (minute, address) pairs of a prefix
// make a flow search walk the flows rather than collect the matches (see
// Flows): on a day of the specification's load, a page of a /16 then takes
// 15 ms instead of 12 s, and a /24 40 ms instead of 0.6 s.
const defaultBroadMinutes = 5000

// manyAddressMinutes reports whether the addresses that match (a prefix)
// were seen in at least s.broadMinutes (minute, address) pairs within
// span.
func (s *Store) manyAddressMinutes(ctx context.Context, tx *sql.Tx, tid int64, match string, args []any, span filter) (bool, error) {
	query := "SELECT count(*) FROM (SELECT 1 FROM flow_addresses WHERE tenant_id = ? AND " + match
	for _, c := range span.conds {
		query += " AND " + c
	}
	query += " LIMIT ?)"
	all := append(append(append([]any{tid}, args...), span.args...), s.broadMinutes)
	var n int
	if err := tx.QueryRowContext(ctx, query, all...).Scan(&n); err != nil {
		return false, fmt.Errorf("flow search: %w", err)
	}
	return n >= s.broadMinutes, nil
}

// addrMatch is the condition on an address column that ip, else net,
// selects, and its arguments; ok is false when neither is set.
func addrMatch(ip netip.Addr, net netip.Prefix) (match func(column string) string, args []any, ok bool) {
	switch {
	case ip.IsValid():
		return func(c string) string { return c + " = ?" }, []any{addrKey(ip)}, true
	case net.IsValid():
		if u, ok := unmapPrefix(net); ok {
			net = u
		}
		_, args := prefixCond("", net)
		return func(c string) string { cond, _ := prefixCond(c, net); return cond }, args, true
	}
	return nil, nil, false
}

// macDigits strips the usual MAC separators from a search; ok is false
// unless what is left could be part of a MAC.
func macDigits(s string) (string, bool) {
	d := strings.NewReplacer(":", "", "-", "", ".", "").Replace(strings.ToLower(s))
	if d == "" || len(d) > 12 {
		return "", false
	}
	for _, c := range d {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return d, true
}

// resolvedHostname is the device's DHCP hostname, else the newest name bound
// to any of its addresses. CASE evaluates the subquery only when needed.
const resolvedHostname = `CASE WHEN d.hostname <> '' THEN d.hostname ELSE coalesce((
		SELECT n.name FROM device_ips di
		JOIN names n ON n.tenant_id = di.tenant_id AND n.ip = di.ip
		WHERE di.tenant_id = d.tenant_id AND di.mac = d.mac
		ORDER BY n.last_seen_us DESC, n.name LIMIT 1), '') END`

// Devices implements store.Store.
func (s *Store) Devices(ctx context.Context, tenant string, q store.DeviceQuery) ([]store.Device, error) {
	var out []store.Device
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		tid, ok, err := tenantID(ctx, tx, tenant)
		if err != nil || !ok {
			return err
		}
		var f filter
		f.add("d.tenant_id = ?", tid)
		if !q.Seen.From.IsZero() {
			f.add("d.last_seen_us >= ?", q.Seen.From.UnixMicro())
		}
		if !q.Seen.To.IsZero() {
			f.add("d.first_seen_us < ?", q.Seen.To.UnixMicro())
		}
		if search := strings.TrimSpace(q.Search); search != "" {
			if cond, args, ok := ipCond("di.ip", search); ok {
				f.add(`EXISTS (SELECT 1 FROM device_ips di
					WHERE di.tenant_id = d.tenant_id AND di.mac = d.mac AND `+cond+`)`, args...)
			} else {
				pat := likePattern(search)
				conds := []string{`d.hostname LIKE ? ESCAPE '\'`, `EXISTS (SELECT 1 FROM device_ips di
					JOIN names n ON n.tenant_id = di.tenant_id AND n.ip = di.ip
					WHERE di.tenant_id = d.tenant_id AND di.mac = d.mac AND n.name LIKE ? ESCAPE '\')`}
				args := []any{pat, pat}
				if digits, ok := macDigits(search); ok {
					conds = append(conds, `replace(d.mac, ':', '') LIKE ?`)
					args = append(args, "%"+digits+"%")
				}
				f.add("("+strings.Join(conds, " OR ")+")", args...)
			}
		}
		rows, err := tx.QueryContext(ctx, `
			SELECT d.mac, `+resolvedHostname+`, d.dhcp_vendor, d.dhcp_params, d.evidence, d.vlan,
				d.first_seen_us, d.last_seen_us, d.sent_packets, d.sent_bytes, d.recv_packets, d.recv_bytes
			FROM devices d
			WHERE `+f.where()+`
			ORDER BY d.last_seen_us DESC, d.mac
			LIMIT ? OFFSET ?`,
			append(f.args, store.ClampLimit(q.Limit), max(q.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		index := make(map[string]int)
		for rows.Next() {
			var d store.Device
			var evidence, vlan, first, last, sp, sb, rp, rb int64
			if err := rows.Scan(&d.MAC, &d.Hostname, &d.DHCPVendor, &d.DHCPParams, &evidence, &vlan,
				&first, &last, &sp, &sb, &rp, &rb); err != nil {
				return err
			}
			d.Evidence, d.VLAN = uint32(evidence), uint16(vlan)
			d.FirstSeen, d.LastSeen = fromUS(first), fromUS(last)
			d.SentPackets, d.SentBytes = uint64(sp), uint64(sb)
			d.RecvPackets, d.RecvBytes = uint64(rp), uint64(rb)
			index[d.MAC] = len(out)
			out = append(out, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		return deviceDetails(ctx, tx, tid, out, index)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: devices %s: %w", tenant, err)
	}
	return out, nil
}

// deviceDetails fills in the addresses and sensors of a page of devices
// with one query each. The MACs go in as one JSON array, which keeps the
// statement the same whatever the page size.
func deviceDetails(ctx context.Context, tx *sql.Tx, tid int64, devs []store.Device, index map[string]int) error {
	macs := make([]string, len(devs))
	for i, d := range devs {
		macs[i] = d.MAC
	}
	macJSON, err := json.Marshal(macs)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT mac, ip FROM device_ips
		WHERE tenant_id = ? AND mac IN (SELECT value FROM json_each(?))
		ORDER BY last_seen_us DESC, ip`, tid, string(macJSON))
	if err != nil {
		return err
	}
	for rows.Next() {
		var mac string
		var ip []byte
		if err := rows.Scan(&mac, &ip); err != nil {
			rows.Close()
			return err
		}
		if i, ok := index[mac]; ok {
			devs[i].IPs = append(devs[i].IPs, keyAddr(ip))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.QueryContext(ctx, `
		SELECT ds.mac, s.name FROM device_sensors ds
		JOIN sensors s ON s.id = ds.sensor_id
		WHERE ds.tenant_id = ? AND ds.mac IN (SELECT value FROM json_each(?))
		ORDER BY s.name`, tid, string(macJSON))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var mac, sensor string
		if err := rows.Scan(&mac, &sensor); err != nil {
			return err
		}
		if i, ok := index[mac]; ok {
			devs[i].Sensors = append(devs[i].Sensors, sensor)
		}
	}
	return rows.Err()
}

// Flows implements store.Store.
func (s *Store) Flows(ctx context.Context, tenant string, q store.FlowQuery) ([]store.Flow, error) {
	var out []store.Flow
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		tid, ok, err := tenantID(ctx, tx, tenant)
		if err != nil || !ok {
			return err
		}
		// The minute bounds apply to the rows found by address too.
		var span filter
		if !q.Range.From.IsZero() {
			span.add("minute >= ?", ceilUnix(q.Range.From))
		}
		if !q.Range.To.IsZero() {
			span.add("minute < ?", ceilUnix(q.Range.To))
		}
		var f filter
		match, args, ok := addrMatch(q.IP, q.Net)
		broad := false
		if ok && q.Net.IsValid() {
			if broad, err = s.manyAddressMinutes(ctx, tx, tid, match("ip"), args, span); err != nil {
				return err
			}
		}
		if broad {
			// Most flows match: walking the tenant's flows newest first
			// finds a page soon, where collecting every match first
			// would take seconds a day of data.
			f.add("f.tenant_id = ?", tid)
			for i, c := range span.conds {
				f.add("f."+c, span.args[i])
			}
			f.add("("+match("f.src_ip")+" OR "+match("f.dst_ip")+")", append(append([]any{}, args...), args...)...)
		} else if ok {
			// The minutes the address was seen in (flow_addresses), then
			// that minute's flows from or to it through the (tenant,
			// minute, address) indexes: a union of two searches, as
			// "src_ip = ? OR dst_ip = ?" would make SQLite prefer walking
			// every flow of the tenant for the sake of ORDER BY.
			minutes := "SELECT minute FROM flow_addresses WHERE tenant_id = ? AND " + match("ip")
			for _, c := range span.conds {
				minutes += " AND " + c
			}
			side := func(column string) string {
				return "SELECT id FROM flows WHERE tenant_id = ? AND minute IN (" + minutes + ") AND " + match(column)
			}
			var all []any
			for range 2 {
				all = append(all, tid, tid)
				all = append(all, args...)
				all = append(all, span.args...)
				all = append(all, args...)
			}
			f.add("f.id IN ("+side("src_ip")+" UNION ALL "+side("dst_ip")+")", all...)
		} else {
			f.add("f.tenant_id = ?", tid)
			for i, c := range span.conds {
				f.add("f."+c, span.args[i]) // one argument per bound
			}
		}
		if q.Port != 0 {
			f.add("(f.src_port = ? OR f.dst_port = ?)", q.Port, q.Port)
		}
		if q.Proto != 0 {
			f.add("f.proto = ?", q.Proto)
		}
		if q.Sensor != "" {
			f.add("s.name = ?", q.Sensor)
		}
		rows, err := tx.QueryContext(ctx, `
			SELECT s.name, f.minute, f.proto, f.src_ip, f.src_port, f.dst_ip, f.dst_port,
				f.src_mac, f.dst_mac, f.vlan, f.src_packets, f.src_bytes, f.dst_packets, f.dst_bytes,
				f.src_tcp_flags, f.dst_tcp_flags, f.first_us, f.last_us, f.is_new, f.ended, f.dst_vlan
			FROM flows f JOIN sensors s ON s.id = f.sensor_id
			WHERE `+f.where()+`
			ORDER BY f.minute DESC, f.id DESC
			LIMIT ? OFFSET ?`,
			append(f.args, store.ClampLimit(q.Limit), max(q.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var fl store.Flow
			var minute, proto, sport, dport, vlan, sp, sb, dp, db, sflags, dflags, first, last int64
			var srcIP, dstIP, srcMAC, dstMAC []byte
			var dstVLAN sql.NullInt64
			if err := rows.Scan(&fl.Sensor, &minute, &proto, &srcIP, &sport, &dstIP, &dport,
				&srcMAC, &dstMAC, &vlan, &sp, &sb, &dp, &db, &sflags, &dflags, &first, &last,
				&fl.New, &fl.Ended, &dstVLAN); err != nil {
				return err
			}
			fl.Routed, fl.DstVLAN = dstVLAN.Valid, uint16(dstVLAN.Int64)
			minuteUS := minute * 1e6
			fl.Minute = fromUS(minuteUS)
			fl.Proto = uint8(proto)
			fl.SrcIP, fl.SrcPort = keyAddr(srcIP), uint16(sport)
			fl.DstIP, fl.DstPort = keyAddr(dstIP), uint16(dport)
			fl.SrcMAC, fl.DstMAC = macString(srcMAC), macString(dstMAC)
			fl.VLAN = uint16(vlan)
			fl.SrcPackets, fl.SrcBytes = uint64(sp), uint64(sb)
			fl.DstPackets, fl.DstBytes = uint64(dp), uint64(db)
			fl.SrcTCPFlags, fl.DstTCPFlags = uint8(sflags), uint8(dflags)
			fl.First, fl.Last = fromUS(minuteUS+first), fromUS(minuteUS+last)
			out = append(out, fl)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: flows %s: %w", tenant, err)
	}
	return out, nil
}

// Names implements store.Store.
func (s *Store) Names(ctx context.Context, tenant string, q store.NameQuery) ([]store.Name, error) {
	var out []store.Name
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		tid, ok, err := tenantID(ctx, tx, tenant)
		if err != nil || !ok {
			return err
		}
		var f filter
		f.add("tenant_id = ?", tid)
		if search := strings.TrimSpace(q.Search); search != "" {
			if cond, args, ok := ipCond("ip", search); ok {
				f.add(cond, args...)
			} else {
				f.add(`name LIKE ? ESCAPE '\'`, likePattern(search))
			}
		}
		rows, err := tx.QueryContext(ctx, `
			SELECT ip, name, source, count, first_seen_us, last_seen_us
			FROM names
			WHERE `+f.where()+`
			ORDER BY last_seen_us DESC, name, ip, source
			LIMIT ? OFFSET ?`,
			append(f.args, store.ClampLimit(q.Limit), max(q.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n store.Name
			var ip []byte
			var count, first, last int64
			if err := rows.Scan(&ip, &n.Name, &n.Source, &count, &first, &last); err != nil {
				return err
			}
			n.IP, n.Count = keyAddr(ip), uint64(count)
			n.FirstSeen, n.LastSeen = fromUS(first), fromUS(last)
			out = append(out, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: names %s: %w", tenant, err)
	}
	return out, nil
}

// Sensors implements store.Store.
func (s *Store) Sensors(ctx context.Context, tenant string) ([]store.Sensor, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT s.name, s.display_name, s.software_version, s.last_seq, s.last_seen_us, s.last_minute,
			s.batches, s.month, s.month_bytes, s.status
		FROM sensors s JOIN tenants t ON t.id = s.tenant_id
		WHERE t.name = ?
		ORDER BY s.name`, tenant)
	if err != nil {
		return nil, fmt.Errorf("sqlite: sensors %s: %w", tenant, err)
	}
	defer rows.Close()
	var out []store.Sensor
	for rows.Next() {
		sn := store.Sensor{Tenant: tenant}
		var lastSeq, lastSeen, lastMinute, batches, monthBytes int64
		var status []byte
		if err := rows.Scan(&sn.ID, &sn.DisplayName, &sn.SoftwareVersion, &lastSeq, &lastSeen,
			&lastMinute, &batches, &sn.Month, &monthBytes, &status); err != nil {
			return nil, fmt.Errorf("sqlite: sensors %s: %w", tenant, err)
		}
		sn.LastSeq, sn.Batches, sn.MonthBytes = uint64(lastSeq), uint64(batches), uint64(monthBytes)
		sn.LastSeen = fromUS(lastSeen)
		sn.LastMinute = fromUS(lastMinute * 1e6)
		if len(status) > 0 {
			var b wirepb.Batch
			if err := proto.Unmarshal(status, &b); err != nil {
				return nil, fmt.Errorf("sqlite: sensors %s: status of %s: %w", tenant, sn.ID, err)
			}
			sn.Health, sn.Captures, sn.Restarts, sn.Modem = b.Health, b.Captures, b.Restarts, b.Modem
		}
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: sensors %s: %w", tenant, err)
	}
	return out, nil
}
