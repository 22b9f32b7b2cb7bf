package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"mimamori/cloud/store"
	"mimamori/edge/intel"
	"mimamori/edge/intel/services"
	"mimamori/edge/wire/wirepb"
)

// InventoryObservations implements store.Store.
func (s *Store) InventoryObservations(ctx context.Context, tenant string, since time.Time) (*intel.Observations, error) {
	obs := &intel.Observations{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		tid, ok, err := tenantID(ctx, tx, tenant)
		if err != nil || !ok {
			return err
		}
		if err := readDevices(ctx, tx, tid, obs); err != nil {
			return fmt.Errorf("devices: %w", err)
		}
		if err := readNames(ctx, tx, tid, obs); err != nil {
			return fmt.Errorf("names: %w", err)
		}
		from, _ := dayRange(store.TimeRange{From: since})
		if obs.Conversations, err = readConversations(ctx, tx, tid, from, 1<<62); err != nil {
			return fmt.Errorf("conversations: %w", err)
		}
		if err := readOT(ctx, tx, tid, from, obs); err != nil {
			return fmt.Errorf("ot activity: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: inventory %s: %w", tenant, err)
	}
	return obs, nil
}

// readDevices loads every device with its addresses, fingerprints and
// identities.
func readDevices(ctx context.Context, tx *sql.Tx, tid int64, obs *intel.Observations) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT d.mac, `+resolvedHostname+`, d.hostname, d.dhcp_params, d.dhcp_vendor, d.vlan,
			d.first_seen_us, d.last_seen_us, d.sent_packets, d.sent_bytes, d.recv_packets, d.recv_bytes,
			d.browser, d.link, d.l2_protocols, d.max_ttl
		FROM devices d WHERE d.tenant_id = ? ORDER BY d.mac`, tid)
	if err != nil {
		return err
	}
	index := map[string]int{}
	for rows.Next() {
		var d intel.DeviceObs
		var vlan, first, last, sp, sb, rp, rb, l2, ttl int64
		var browser, link []byte
		if err := rows.Scan(&d.MAC, &d.Hostname, &d.DHCPHostname, &d.DHCPParams, &d.DHCPVendorClass, &vlan,
			&first, &last, &sp, &sb, &rp, &rb, &browser, &link, &l2, &ttl); err != nil {
			rows.Close()
			return err
		}
		d.VLAN, d.L2Protocols, d.MaxTTL = uint16(vlan), uint32(l2), uint8(ttl)
		d.FirstSeen, d.LastSeen = fromUS(first), fromUS(last)
		d.SentPackets, d.SentBytes, d.RecvPackets, d.RecvBytes = uint64(sp), uint64(sb), uint64(rp), uint64(rb)
		if len(browser) > 0 {
			var b wirepb.BrowserAnnouncement
			if err := proto.Unmarshal(browser, &b); err == nil {
				d.Browser = &intel.BrowserObs{Name: b.Name, Major: uint8(min(b.OsMajor, 255)), Minor: uint8(min(b.OsMinor, 255)),
					ServerType: b.ServerType, Comment: b.Comment}
			}
		}
		if len(link) > 0 {
			var l wirepb.LinkAnnouncement
			if err := proto.Unmarshal(link, &l); err == nil {
				mgmt, _ := netip.AddrFromSlice(l.ManagementIp)
				d.Link = &intel.LinkObs{Protocol: intel.LinkProtocol(l.Protocol), SystemName: l.SystemName,
					Description: l.SystemDescription, Platform: l.Platform, Port: l.Port,
					Capabilities: l.Capabilities, ManagementIP: mgmt}
			}
		}
		index[d.MAC] = len(obs.Devices)
		obs.Devices = append(obs.Devices, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.QueryContext(ctx, `SELECT mac, ip, evidence FROM device_ips WHERE tenant_id = ? ORDER BY mac, ip`, tid)
	if err != nil {
		return err
	}
	owner := map[netip.Addr]string{}
	for rows.Next() {
		var mac string
		var ip []byte
		var ev int64
		if err := rows.Scan(&mac, &ip, &ev); err != nil {
			rows.Close()
			return err
		}
		if i, ok := index[mac]; ok {
			o := intel.IPObs{Addr: keyAddr(ip), Evidence: uint32(ev)}
			obs.Devices[i].IPs = append(obs.Devices[i].IPs, o)
			if o.Claimed() {
				owner[o.Addr] = mac
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = tx.QueryContext(ctx, `
		SELECT mac, kind, value, ip, ttl, count FROM device_fingerprints
		WHERE tenant_id = ? ORDER BY mac, kind, value, ip`, tid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var mac, kind, value string
		var ip []byte
		var ttl, count int64
		if err := rows.Scan(&mac, &kind, &value, &ip, &ttl, &count); err != nil {
			rows.Close()
			return err
		}
		i, ok := index[mac]
		if !ok {
			continue
		}
		d := &obs.Devices[i]
		addr := keyAddr(ip)
		switch kind {
		case intel.KindTCPSYN, intel.KindTCPSYNACK:
			d.TCP = append(d.TCP, intel.TCPObs{Response: kind == intel.KindTCPSYNACK, Sig: value, IP: addr, Count: uint64(count)})
		default:
			d.Texts = append(d.Texts, intel.TextObs{Kind: kind, Value: value, IP: addr, TTL: uint8(ttl), Count: uint64(count)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// An identity belongs to its MAC, or else to the claimant of its address.
	rows, err = tx.QueryContext(ctx, `
		SELECT protocol, ip, mac, vendor, product, model, serial, firmware, name, last_seen_us
		FROM device_identities WHERE tenant_id = ? ORDER BY protocol, ip, mac`, tid)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id intel.IdentityObs
		var ip []byte
		var seen int64
		if err := rows.Scan(&id.Protocol, &ip, &id.MAC, &id.Vendor, &id.Product, &id.Model, &id.Serial,
			&id.Firmware, &id.Name, &seen); err != nil {
			return err
		}
		id.IP, id.Seen = keyAddr(ip), fromUS(seen)
		mac := id.MAC
		if _, ok := index[mac]; !ok {
			mac = owner[id.IP]
		}
		if i, ok := index[mac]; ok {
			obs.Devices[i].Identities = append(obs.Devices[i].Identities, id)
		}
	}
	return rows.Err()
}

func readNames(ctx context.Context, tx *sql.Tx, tid int64, obs *intel.Observations) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT ip, name, source, count, last_seen_us FROM names WHERE tenant_id = ? ORDER BY ip, name, source`, tid)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n intel.NameObs
		var ip []byte
		var count, last int64
		if err := rows.Scan(&ip, &n.Name, &n.Source, &count, &last); err != nil {
			return err
		}
		n.IP, n.Count, n.LastSeen = keyAddr(ip), uint64(count), fromUS(last)
		obs.Names = append(obs.Names, n)
	}
	return rows.Err()
}

// readConversations sums conversation rows of the days [from, to).
func readConversations(ctx context.Context, tx *sql.Tx, tid, from, to int64) ([]intel.Conversation, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT client_ip, server_ip, proto, port, max(client_mac), max(server_mac),
			sum(flows), sum(minutes), sum(client_packets), sum(client_bytes), sum(server_packets), sum(server_bytes),
			max(same_port), min(first_seen_us), max(last_seen_us),
			group_concat(server_tcp_flags)
		FROM conversations
		WHERE tenant_id = ? AND day >= ? AND day < ?
		GROUP BY client_ip, server_ip, proto, port
		ORDER BY client_ip, server_ip, proto, port`, tid, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []intel.Conversation
	for rows.Next() {
		var c intel.Conversation
		var client, server, cmac, smac []byte
		var proto, port, flows, minutes, cp, cb, sp, sb, same, first, last int64
		var allFlags sql.NullString
		if err := rows.Scan(&client, &server, &proto, &port, &cmac, &smac, &flows, &minutes, &cp, &cb, &sp, &sb,
			&same, &first, &last, &allFlags); err != nil {
			return nil, err
		}
		c.Client, c.Server, c.Proto, c.Port = keyAddr(client), keyAddr(server), uint8(proto), uint16(port)
		c.ClientMAC, c.ServerMAC = macString(cmac), macString(smac)
		c.Flows, c.Minutes = uint64(flows), uint64(minutes)
		c.ClientPackets, c.ClientBytes, c.ServerPackets, c.ServerBytes = uint64(cp), uint64(cb), uint64(sp), uint64(sb)
		c.ServerTCPFlags = orFlags(allFlags.String)
		c.SamePort = same != 0
		c.FirstSeen, c.LastSeen = fromUS(first), fromUS(last)
		out = append(out, c)
	}
	return out, rows.Err()
}

// orFlags ORs the comma-separated per-day flag values: SQLite has no
// bitwise-or aggregate.
func orFlags(list string) uint8 {
	var f uint64
	for _, s := range strings.Split(list, ",") {
		if v, err := strconv.ParseUint(s, 10, 8); err == nil {
			f |= v
		}
	}
	return uint8(f)
}

func readOT(ctx context.Context, tx *sql.Tx, tid, from int64, obs *intel.Observations) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT protocol, code, max(function), src_ip, dst_ip, src_mac, dst_mac,
			sum(count), sum(requests), sum(responses), sum(errors)
		FROM ot_events
		WHERE tenant_id = ? AND day >= ?
		GROUP BY protocol, code, src_ip, dst_ip, src_mac, dst_mac
		ORDER BY protocol, code, src_ip, dst_ip, src_mac, dst_mac`, tid, from)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a intel.OTActivity
		var src, dst, smac, dmac []byte
		var code, count, req, resp, errs int64
		if err := rows.Scan(&a.Protocol, &code, &a.Function, &src, &dst, &smac, &dmac, &count, &req, &resp, &errs); err != nil {
			return err
		}
		a.Code = uint32(code)
		a.Src, a.Dst, a.SrcMAC, a.DstMAC = keyAddr(src), keyAddr(dst), macString(smac), macString(dmac)
		a.Count, a.Requests, a.Replies, a.Errors = uint64(count), uint64(req), uint64(resp), uint64(errs)
		obs.OT = append(obs.OT, a)
	}
	return rows.Err()
}

// Conversations implements store.Store.
func (s *Store) Conversations(ctx context.Context, tenant string, r store.TimeRange) ([]intel.Conversation, error) {
	var out []intel.Conversation
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		tid, ok, err := tenantID(ctx, tx, tenant)
		if err != nil || !ok {
			return err
		}
		from, to := dayRange(r)
		out, err = readConversations(ctx, tx, tid, from, to)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: conversations %s: %w", tenant, err)
	}
	return out, nil
}

// DataVersion implements store.Store: the tenant's batch count, which
// every ingest raises, and the newest change to its service names.
func (s *Store) DataVersion(ctx context.Context, tenant string) (string, error) {
	var batches, names, updated int64
	err := s.r.QueryRowContext(ctx, `
		SELECT coalesce((SELECT sum(s.batches) FROM sensors s WHERE s.tenant_id = t.id), 0),
			(SELECT count(*) FROM service_names n WHERE n.tenant_id = t.id),
			coalesce((SELECT max(n.updated_us) FROM service_names n WHERE n.tenant_id = t.id), 0)
		FROM tenants t WHERE t.name = ?`, tenant).Scan(&batches, &names, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return "none", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: data version %s: %w", tenant, err)
	}
	return fmt.Sprintf("b%d.n%d.%d", batches, names, updated), nil
}

// ServiceNames implements store.Store.
func (s *Store) ServiceNames(ctx context.Context, tenant string) ([]store.ServiceName, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT n.proto, n.port, n.name, n.description, n.updated_us, n.updated_by
		FROM service_names n JOIN tenants t ON t.id = n.tenant_id
		WHERE t.name = ? ORDER BY n.proto, n.port`, tenant)
	if err != nil {
		return nil, fmt.Errorf("sqlite: service names %s: %w", tenant, err)
	}
	defer rows.Close()
	var out []store.ServiceName
	for rows.Next() {
		var sn store.ServiceName
		var proto, port, updated int64
		if err := rows.Scan(&proto, &port, &sn.Name, &sn.Description, &updated, &sn.UpdatedBy); err != nil {
			return nil, fmt.Errorf("sqlite: service names %s: %w", tenant, err)
		}
		sn.Proto, sn.Port, sn.UpdatedAt = uint8(proto), uint16(port), fromUS(updated)
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: service names %s: %w", tenant, err)
	}
	return out, nil
}

// checkServiceName validates a tenant's service name.
func checkServiceName(sn store.ServiceName) error {
	if sn.Proto != services.TCP && sn.Proto != services.UDP || sn.Port == 0 {
		return fmt.Errorf("%w: %d/%d is not a TCP or UDP port", store.ErrInvalid, sn.Proto, sn.Port)
	}
	if err := services.CheckName(sn.Name); err != nil {
		return fmt.Errorf("%w: name %q", store.ErrInvalid, sn.Name)
	}
	if len(sn.Description) > 200 || strings.ContainsAny(sn.Description, "\r\n") {
		return fmt.Errorf("%w: description too long or on several lines", store.ErrInvalid)
	}
	return nil
}

// SetServiceName implements store.Store.
func (s *Store) SetServiceName(ctx context.Context, tenant string, sn store.ServiceName) error {
	if err := checkServiceName(sn); err != nil {
		return fmt.Errorf("sqlite: service name: %w", err)
	}
	updated := unixUS(sn.UpdatedAt)
	if sn.UpdatedAt.IsZero() {
		updated = s.nowUS()
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		tid, ok, err := tenantID(ctx, tx, tenant)
		if err != nil {
			return err
		}
		if !ok {
			return store.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO service_names (tenant_id, proto, port, name, description, updated_us, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, proto, port) DO UPDATE SET
				name = excluded.name, description = excluded.description,
				updated_us = excluded.updated_us, updated_by = excluded.updated_by`,
			tid, sn.Proto, sn.Port, sn.Name, sn.Description, updated, sn.UpdatedBy)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: service name %s %d/%d: %w", tenant, sn.Proto, sn.Port, err)
	}
	return nil
}

// DeleteServiceName implements store.Store.
func (s *Store) DeleteServiceName(ctx context.Context, tenant string, proto uint8, port uint16) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			DELETE FROM service_names WHERE proto = ? AND port = ?
				AND tenant_id = (SELECT id FROM tenants WHERE name = ?)`, proto, port, tenant)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete service name %s %d/%d: %w", tenant, proto, port, err)
	}
	return nil
}
