package storetest

import (
	"errors"
	"testing"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/intel"
	"mimamori/edge/wire/wirepb"
)

// inventoryBatch is cellBatch with the evidence inference reads: the
// PLC's SYN+ACK signature and LLDP, the HMI's browser announcement, User-
// Agent and TTL, a Modbus OT event and the PLC's identity.
func inventoryBatch(sensor string, seq uint64, m time.Time) *wirepb.Batch {
	b := cellBatch(sensor, seq, m)
	at := NS(m.Add(20 * time.Second))
	plc, hmi := b.Devices[0], b.Devices[1]
	plc.Fingerprints = []*wirepb.Fingerprint{{
		Kind: wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN_ACK, Ip: IP("10.0.0.20"), Ttl: 64, Count: 1,
		Tcp: &wirepb.TCPSignature{IpVersion: 4, Mss: 1460, Window: 8192, WindowScale: -1, Options: []byte{2}},
	}}
	plc.Link = &wirepb.LinkAnnouncement{Protocol: wirepb.L2Protocol_L2_PROTOCOL_LLDP, SystemName: "plc-line1",
		SystemDescription: "Siemens, SIMATIC S7, CPU 1515-2 PN", Capabilities: 0x80}
	plc.L2Protocols = uint32(wirepb.L2Protocol_L2_PROTOCOL_LLDP)
	plc.MaxTtl = 64
	hmi.Fingerprints = []*wirepb.Fingerprint{{
		Kind: wirepb.FingerprintKind_FINGERPRINT_KIND_HTTP_USER_AGENT, Ip: IP("10.0.0.10"), Ttl: 128, Count: 2,
		Text: "Microsoft-CryptoAPI/6.1",
	}}
	hmi.Browser = &wirepb.BrowserAnnouncement{Name: "HMI-01", OsMajor: 6, OsMinor: 1, ServerType: 0x00051003, Command: 1}
	hmi.MaxTtl = 128
	b.OtEvents = []*wirepb.OTEvent{{
		Protocol: "modbus", Code: 3, Function: "Read Holding Registers",
		SrcIp: IP("10.0.0.10"), DstIp: IP("10.0.0.20"), SrcPort: 50123, DstPort: 502,
		SrcMac: MAC("00:0c:29:aa:00:10"), DstMac: MAC("00:1d:9c:bb:00:20"),
		Count: 236, Requests: 118, Responses: 118, FirstUnixNs: at, LastUnixNs: at,
	}}
	b.Identities = []*wirepb.Identity{{
		Protocol: "modbus", Ip: IP("10.0.0.20"), Vendor: "Schneider Electric", Product: "BMX P34 2020",
		Firmware: "v2.7", SeenUnixNs: at,
	}}
	return b
}

func (h *harness) observations(tenant string, since time.Time) *intel.Observations {
	h.t.Helper()
	obs, err := h.s.InventoryObservations(h.ctx, tenant, since)
	if err != nil {
		h.t.Fatalf("InventoryObservations(%s): %v", tenant, err)
	}
	return obs
}

func findDevice(obs *intel.Observations, mac string) *intel.DeviceObs {
	for i := range obs.Devices {
		if obs.Devices[i].MAC == mac {
			return &obs.Devices[i]
		}
	}
	return nil
}

func testInventory(t *testing.T, h *harness) {
	if obs := h.observations("nobody", time.Time{}); len(obs.Devices) != 0 || len(obs.Conversations) != 0 {
		t.Errorf("unknown tenant has observations: %+v", obs)
	}
	// Two minutes of the same cell; the second repeats every fingerprint.
	h.ingest("t1", inventoryBatch("s1", 1, minute(0)), 100)
	h.ingest("t1", inventoryBatch("s1", 2, minute(1)), 100)
	obs := h.observations("t1", time.Time{})

	plc := findDevice(obs, "00:1d:9c:bb:00:20")
	if plc == nil {
		t.Fatalf("PLC missing: %+v", obs.Devices)
	}
	if len(plc.TCP) != 1 || plc.TCP[0].Sig != "4:64:0:1460:8192,0:mss::0" || !plc.TCP[0].Response || plc.TCP[0].Count != 2 {
		t.Errorf("PLC handshakes: %+v", plc.TCP)
	}
	if plc.Link == nil || plc.Link.Protocol != "lldp" || plc.Link.SystemName != "plc-line1" || plc.L2Protocols != 1 || plc.MaxTTL != 64 {
		t.Errorf("PLC link: %+v l2 %d ttl %d", plc.Link, plc.L2Protocols, plc.MaxTTL)
	}
	if len(plc.Identities) != 1 || plc.Identities[0].Product != "BMX P34 2020" || plc.Identities[0].Firmware != "v2.7" {
		t.Errorf("PLC identity (found by address): %+v", plc.Identities)
	}
	if plc.Hostname != "plc-line1.factory.example" {
		t.Errorf("PLC hostname %q", plc.Hostname)
	}
	claimed := 0
	for _, ip := range plc.IPs {
		if ip.Claimed() {
			claimed++
		}
	}
	if len(plc.IPs) != 2 || claimed != 2 {
		t.Errorf("PLC addresses: %+v", plc.IPs)
	}

	hmi := findDevice(obs, "00:0c:29:aa:00:10")
	if hmi == nil || hmi.Browser == nil || hmi.Browser.Major != 6 || hmi.Browser.Minor != 1 || hmi.MaxTTL != 128 {
		t.Fatalf("HMI browser: %+v", hmi)
	}
	if len(hmi.Texts) != 1 || hmi.Texts[0].Kind != intel.TextUserAgent || hmi.Texts[0].Count != 4 {
		t.Errorf("HMI texts: %+v", hmi.Texts)
	}
	if string(hmi.DHCPParams) != string([]byte{1, 3, 6, 15, 31, 33}) || hmi.DHCPVendorClass != "MSFT 5.0" || hmi.DHCPHostname != "hmi-01" {
		t.Errorf("HMI DHCP: %+v", hmi)
	}

	// Conversations: the Modbus one in both minutes, counted per minute.
	var modbus *intel.Conversation
	for i := range obs.Conversations {
		c := &obs.Conversations[i]
		if c.Port == 502 {
			modbus = c
		}
		if c.Proto == 1 && c.Port != 0 {
			t.Errorf("ICMP conversation keeps a port: %+v", c)
		}
	}
	if modbus == nil || modbus.Minutes != 2 || modbus.Flows != 2 || modbus.ClientPackets != 240 ||
		modbus.ServerBytes != 20060 || modbus.ServerTCPFlags != 0x1a || modbus.Client != addr("10.0.0.10") ||
		modbus.ClientMAC != "00:0c:29:aa:00:10" {
		t.Errorf("Modbus conversation: %+v", modbus)
	}
	if len(obs.OT) != 1 || obs.OT[0].Count != 472 || obs.OT[0].Function != "Read Holding Registers" || obs.OT[0].Src != addr("10.0.0.10") {
		t.Errorf("OT activity: %+v", obs.OT)
	}
	if len(obs.Names) != 2 {
		t.Errorf("names: %+v", obs.Names)
	}

	// The time window applies to conversations and OT activity, by day.
	later := Epoch().Add(48 * time.Hour)
	if obs := h.observations("t1", later); len(obs.Conversations) != 0 || len(obs.OT) != 0 || len(obs.Devices) != 2 {
		t.Errorf("observations since a later day: %d conversations, %d OT, %d devices",
			len(obs.Conversations), len(obs.OT), len(obs.Devices))
	}
	cs, err := h.s.Conversations(h.ctx, "t1", store.TimeRange{From: Epoch(), To: Epoch().Add(time.Hour)})
	if err != nil || len(cs) != len(obs.Conversations) {
		t.Errorf("Conversations for the day: %d (%v), want %d", len(cs), err, len(obs.Conversations))
	}
	if cs, _ := h.s.Conversations(h.ctx, "t1", store.TimeRange{From: later}); len(cs) != 0 {
		t.Errorf("Conversations after the data: %d", len(cs))
	}
	// Tenants see only their own.
	if obs := h.observations("t2", time.Time{}); len(obs.Devices) != 0 {
		t.Errorf("t2 sees t1's devices")
	}
}

func testServiceNames(t *testing.T, h *harness) {
	if err := h.s.SetServiceName(h.ctx, "t1", store.ServiceName{Proto: 6, Port: 5001, Name: "slmp-line1"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown tenant: %v, want ErrNotFound", err)
	}
	if err := h.s.EnsureTenant(h.ctx, store.Tenant{ID: "t1"}); err != nil {
		t.Fatal(err)
	}
	v0, err := h.s.DataVersion(h.ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []store.ServiceName{
		{Proto: 6, Port: 0, Name: "x"}, {Proto: 1, Port: 5, Name: "x"}, {Proto: 6, Port: 5, Name: ""},
		{Proto: 6, Port: 5, Name: "a\nb"}, {Proto: 17, Port: 5, Name: string(make([]byte, 65))},
	} {
		if err := h.s.SetServiceName(h.ctx, "t1", bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", bad, err)
		}
	}
	set := func(sn store.ServiceName) {
		t.Helper()
		if err := h.s.SetServiceName(h.ctx, "t1", sn); err != nil {
			t.Fatal(err)
		}
	}
	set(store.ServiceName{Proto: 17, Port: 9600, Name: "omron-fins", UpdatedBy: "a@example.com"})
	set(store.ServiceName{Proto: 6, Port: 5001, Name: "slmp-line1", Description: "MELSEC line 1"})
	h.clock.Add(time.Second)
	set(store.ServiceName{Proto: 6, Port: 5001, Name: "slmp-l1", Description: "MELSEC line 1"})
	got, err := h.s.ServiceNames(h.ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Port != 5001 || got[0].Name != "slmp-l1" || got[1].Port != 9600 ||
		got[1].UpdatedBy != "a@example.com" || !got[0].UpdatedAt.Equal(h.clock.Now().Truncate(time.Microsecond)) {
		t.Errorf("service names: %+v", got)
	}
	v1, _ := h.s.DataVersion(h.ctx, "t1")
	if v1 == v0 {
		t.Error("DataVersion did not change with the service names")
	}
	if err := h.s.DeleteServiceName(h.ctx, "t1", 6, 5001); err != nil {
		t.Fatal(err)
	}
	if err := h.s.DeleteServiceName(h.ctx, "t1", 6, 5001); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if got, _ := h.s.ServiceNames(h.ctx, "t1"); len(got) != 1 {
		t.Errorf("after delete: %+v", got)
	}
	if got, _ := h.s.ServiceNames(h.ctx, "t2"); len(got) != 0 {
		t.Errorf("t2 sees t1's names: %+v", got)
	}
	v2, _ := h.s.DataVersion(h.ctx, "t1")
	h.ingest("t1", cellBatch("s1", 1, minute(0)), 10)
	if v3, _ := h.s.DataVersion(h.ctx, "t1"); v3 == v2 || v2 == v1 {
		t.Errorf("DataVersion %q → %q → %q: ingest and delete must change it", v1, v2, v3)
	}
}
