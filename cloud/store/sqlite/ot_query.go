package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"strings"

	"mimamori/cloud/store"
)

// otDays turns an OT query's period into whole UTC days [from, to): a zero
// start is store.DefaultOTDays back from the store's clock, today
// included.
func (s *Store) otDays(r store.TimeRange) (from, to int64) {
	from, to = dayRange(r)
	if r.From.IsZero() {
		from = dayOf(s.now().Unix()) - (store.DefaultOTDays-1)*86400
	}
	return from, to
}

// otLayerCond selects IP or layer-2 rows: layer-2 rows have no addresses.
func otLayerCond(f *filter, layer store.OTLayer) {
	switch layer {
	case store.OTLayerIP:
		f.add("(length(src_ip) > 0 OR length(dst_ip) > 0)")
	case store.OTLayerEthernet:
		f.add("length(src_ip) = 0 AND length(dst_ip) = 0")
	}
}

// otFunctionCond matches a function code or part of a function name.
func otFunctionCond(f *filter, fn string) {
	fn = strings.TrimSpace(fn)
	if fn == "" {
		return
	}
	if code, ok := parseCode(fn); ok {
		f.add("code = ?", code)
		return
	}
	f.add(`function LIKE ? ESCAPE '\'`, likePattern(fn))
}

// parseCode reads a function code: decimal, or hexadecimal after 0x.
func parseCode(s string) (uint32, bool) {
	base := 10
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		s, base = h, 16
	}
	n, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// otDeviceCond matches either side of an event against a device search
// (see store.OTQuery.Device).
func otDeviceCond(f *filter, tid int64, search string) {
	search = strings.TrimSpace(search)
	if search == "" {
		return
	}
	if cond, args, ok := ipCond("src_ip", search); ok {
		dcond, dargs, _ := ipCond("dst_ip", search)
		f.add("("+cond+" OR "+dcond+")", append(args, dargs...)...)
		return
	}
	if hw, err := net.ParseMAC(search); err == nil && len(hw) == 6 {
		mac := []byte(hw)
		text := hw.String()
		f.add(`(src_mac = ? OR dst_mac = ?
			OR src_ip IN (SELECT ip FROM device_ips WHERE tenant_id = ? AND mac = ?)
			OR dst_ip IN (SELECT ip FROM device_ips WHERE tenant_id = ? AND mac = ?))`,
			mac, mac, tid, text, tid, text)
		return
	}
	// A name: the devices whose DHCP or resolved name contains it, by
	// their MACs and addresses, and addresses that resolved to it.
	pat := likePattern(search)
	const macs = `SELECT mac FROM devices WHERE tenant_id = ? AND hostname LIKE ? ESCAPE '\'
		UNION SELECT di.mac FROM device_ips di JOIN names n ON n.tenant_id = di.tenant_id AND n.ip = di.ip
		WHERE di.tenant_id = ? AND n.name LIKE ? ESCAPE '\'`
	const ips = `SELECT ip FROM names WHERE tenant_id = ? AND name LIKE ? ESCAPE '\'
		UNION SELECT ip FROM device_ips WHERE tenant_id = ? AND mac IN (` + macs + `)`
	macArgs := []any{tid, pat, tid, pat}
	ipArgs := append([]any{tid, pat, tid}, macArgs...)
	conds := []string{
		`lower(hex(src_mac)) IN (SELECT replace(mac, ':', '') FROM (` + macs + `))`,
		`lower(hex(dst_mac)) IN (SELECT replace(mac, ':', '') FROM (` + macs + `))`,
		`src_ip IN (` + ips + `)`,
		`dst_ip IN (` + ips + `)`,
	}
	args := append(append(append(append([]any{}, macArgs...), macArgs...), ipArgs...), ipArgs...)
	if digits, ok := macDigits(search); ok {
		conds = append(conds, `lower(hex(src_mac)) LIKE ?`, `lower(hex(dst_mac)) LIKE ?`)
		args = append(args, "%"+digits+"%", "%"+digits+"%")
	}
	f.add("("+strings.Join(conds, " OR ")+")", args...)
}

// otKey is the grouping key of a query, in ORDER BY form: the stored key
// without the day.
const otKey = `protocol, code, src_ip, dst_ip, dst_port, src_mac, dst_mac, vlan, sensor_id`

func otOrder(sort store.OTSort) string {
	switch sort {
	case store.OTSortCount:
		return "sum(count) DESC, max(last_seen_us) DESC, " + otKey
	case store.OTSortErrors:
		return "sum(errors) DESC, max(last_seen_us) DESC, " + otKey
	case store.OTSortFirst:
		return "min(first_seen_us) DESC, " + otKey
	case store.OTSortProtocol:
		return otKey
	default:
		return "max(last_seen_us) DESC, " + otKey
	}
}

// OTEvents implements store.Store.
func (s *Store) OTEvents(ctx context.Context, tenant string, q store.OTQuery) ([]store.OTEvent, error) {
	var out []store.OTEvent
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		tid, ok, err := tenantID(ctx, tx, tenant)
		if err != nil || !ok {
			return err
		}
		from, to := s.otDays(q.Days)
		var f filter
		f.add("tenant_id = ? AND day >= ? AND day < ?", tid, from, to)
		otLayerCond(&f, q.Layer)
		if p := strings.TrimSpace(q.Protocol); p != "" {
			f.add("protocol = ?", p)
		}
		otFunctionCond(&f, q.Function)
		otDeviceCond(&f, tid, q.Device)
		if q.Sensor != "" {
			f.add("sensor_id = (SELECT id FROM sensors WHERE tenant_id = ? AND name = ?)", tid, q.Sensor)
		}
		sensors, err := sensorNames(ctx, tx, tid)
		if err != nil {
			return err
		}
		// The detail texts of the days, oldest first, are merged here.
		rows, err := tx.QueryContext(ctx, `
			SELECT `+otKey+`, max(function), min(src_port_min), max(src_port_max),
				sum(count), sum(requests), sum(responses), sum(errors), min(first_seen_us), max(last_seen_us),
				group_concat(details, char(10) ORDER BY day)
			FROM ot_events
			WHERE `+f.where()+`
			GROUP BY `+otKey+`
			ORDER BY `+otOrder(q.Sort)+`
			LIMIT ? OFFSET ?`,
			append(f.args, store.ClampLimit(q.Limit), max(q.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e store.OTEvent
			var src, dst, smac, dmac []byte
			var code, dport, vlan, sid, pmin, pmax, count, req, resp, errs, first, last int64
			var details sql.NullString
			if err := rows.Scan(&e.Protocol, &code, &src, &dst, &dport, &smac, &dmac, &vlan, &sid,
				&e.Function, &pmin, &pmax, &count, &req, &resp, &errs, &first, &last, &details); err != nil {
				return err
			}
			e.Sensor = sensors[sid]
			e.Code = uint32(code)
			e.SrcIP, e.DstIP = keyAddr(src), keyAddr(dst)
			e.SrcPortMin, e.SrcPortMax, e.DstPort = uint16(pmin), uint16(pmax), uint16(dport)
			e.SrcMAC, e.DstMAC = macString(smac), macString(dmac)
			e.VLAN = uint16(vlan)
			e.Count, e.Requests, e.Responses, e.Errors = uint64(count), uint64(req), uint64(resp), uint64(errs)
			e.FirstSeen, e.LastSeen = fromUS(first), fromUS(last)
			for d := range strings.SplitSeq(details.String, "\n") {
				e.Details = store.MergeOTDetails(e.Details, d)
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: ot events %s: %w", tenant, err)
	}
	return out, nil
}

// OTProtocols implements store.Store.
func (s *Store) OTProtocols(ctx context.Context, tenant string, r store.TimeRange, layer store.OTLayer) ([]string, error) {
	var out []string
	err := s.otMenu(ctx, tenant, r, layer, "", `SELECT DISTINCT protocol FROM ot_events WHERE %s ORDER BY protocol`,
		func(rows *sql.Rows) error {
			var p string
			if err := rows.Scan(&p); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("sqlite: ot protocols %s: %w", tenant, err)
	}
	return out, nil
}

// OTFunctions implements store.Store.
func (s *Store) OTFunctions(ctx context.Context, tenant string, r store.TimeRange, layer store.OTLayer, protocol string) ([]store.OTFunction, error) {
	var out []store.OTFunction
	// A code keeps one name: the newest day's, should a sensor update
	// rename it (SQLite takes a bare column from the row of MAX()).
	query := `SELECT protocol, code, function, MAX(day) FROM ot_events WHERE %s
		GROUP BY protocol, code ORDER BY protocol, code LIMIT ` + strconv.Itoa(store.MaxOTFunctions)
	err := s.otMenu(ctx, tenant, r, layer, protocol, query, func(rows *sql.Rows) error {
		var fn store.OTFunction
		var day int64
		if err := rows.Scan(&fn.Protocol, &fn.Code, &fn.Name, &day); err != nil {
			return err
		}
		out = append(out, fn)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: ot functions %s: %w", tenant, err)
	}
	return out, nil
}

// otMenu runs query (with %s for its WHERE condition) over the tenant's
// OT events of the days of r, of layer and (unless "") protocol, calling
// scan for each row.
func (s *Store) otMenu(ctx context.Context, tenant string, r store.TimeRange, layer store.OTLayer, protocol, query string,
	scan func(*sql.Rows) error) error {
	return s.readTx(ctx, func(tx *sql.Tx) error {
		tid, ok, err := tenantID(ctx, tx, tenant)
		if err != nil || !ok {
			return err
		}
		from, to := s.otDays(r)
		var f filter
		f.add("tenant_id = ? AND day >= ? AND day < ?", tid, from, to)
		otLayerCond(&f, layer)
		if protocol != "" {
			f.add("protocol = ?", protocol)
		}
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(query, f.where()), f.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// sensorNames maps the tenant's sensor ids to their IDs on the wire.
func sensorNames(ctx context.Context, tx *sql.Tx, tid int64) (map[int64]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM sensors WHERE tenant_id = ?`, tid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		m[id] = name
	}
	return m, rows.Err()
}
