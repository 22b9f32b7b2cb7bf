package portal

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/wire/wirepb"
)

// The API's JSON shapes. Field names are part of the contract in
// docs/API.md: add fields, never rename them.

// apiTime is a timestamp in RFC 3339, UTC; the zero time is null.
type apiTime time.Time

func (t apiTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.UTC().Format(time.RFC3339) + `"`), nil
}

type apiDevice struct {
	MAC         string   `json:"mac"`
	IPs         []string `json:"ips"`
	Hostname    string   `json:"hostname"`
	DHCPVendor  string   `json:"dhcp_vendor"`
	VLAN        uint16   `json:"vlan"`
	FirstSeen   apiTime  `json:"first_seen"`
	LastSeen    apiTime  `json:"last_seen"`
	SentPackets uint64   `json:"sent_packets"`
	SentBytes   uint64   `json:"sent_bytes"`
	RecvPackets uint64   `json:"recv_packets"`
	RecvBytes   uint64   `json:"recv_bytes"`
	Sensors     []string `json:"sensors"`
	apiInference
}

type apiFlow struct {
	Sensor      string  `json:"sensor"`
	Minute      apiTime `json:"minute"`
	Proto       uint8   `json:"proto"`
	ProtoName   string  `json:"proto_name"`
	SrcIP       string  `json:"src_ip"`
	SrcPort     uint16  `json:"src_port"`
	DstIP       string  `json:"dst_ip"`
	DstPort     uint16  `json:"dst_port"`
	SrcMAC      string  `json:"src_mac"`
	DstMAC      string  `json:"dst_mac"`
	VLAN        uint16  `json:"vlan"`
	Routed      bool    `json:"routed,omitempty"`
	DstVLAN     uint16  `json:"dst_vlan,omitempty"`
	SrcPackets  uint64  `json:"src_packets"`
	SrcBytes    uint64  `json:"src_bytes"`
	DstPackets  uint64  `json:"dst_packets"`
	DstBytes    uint64  `json:"dst_bytes"`
	SrcTCPFlags uint8   `json:"src_tcp_flags"`
	DstTCPFlags uint8   `json:"dst_tcp_flags"`
	First       apiTime `json:"first"`
	Last        apiTime `json:"last"`
	New         bool    `json:"new"`
	Ended       bool    `json:"ended"`
}

type apiHealth struct {
	CPUPercent     float64 `json:"cpu_percent"`
	MemUsedBytes   uint64  `json:"mem_used_bytes"`
	MemTotalBytes  uint64  `json:"mem_total_bytes"`
	DiskUsedBytes  uint64  `json:"disk_used_bytes"`
	DiskTotalBytes uint64  `json:"disk_total_bytes"`
	TemperatureC   float64 `json:"temperature_c"`
	UptimeSeconds  uint64  `json:"uptime_seconds"`
	Load1          float64 `json:"load1"`
	SpoolBacklog   uint64  `json:"spool_backlog"`
}

type apiCapture struct {
	Source       string `json:"source"`
	Packets      uint64 `json:"packets"`
	Bytes        uint64 `json:"bytes"`
	KernelDrops  uint64 `json:"kernel_drops"`
	DecodeErrors uint64 `json:"decode_errors"`
	NonIPPackets uint64 `json:"non_ip_packets"`
	FlowsActive  uint64 `json:"flows_active"`
	FlowsExpired uint64 `json:"flows_expired"`
	FlowsEvicted uint64 `json:"flows_evicted"`
}

type apiSensor struct {
	ID               string       `json:"id"`
	DisplayName      string       `json:"display_name"`
	Status           string       `json:"status"`
	SoftwareVersion  string       `json:"software_version"`
	LastSeq          uint64       `json:"last_seq"`
	LastSeen         apiTime      `json:"last_seen"`
	LastMinute       apiTime      `json:"last_minute"`
	Batches          uint64       `json:"batches"`
	Month            string       `json:"month"`
	MonthBytes       uint64       `json:"month_bytes"`
	MonthBudgetBytes uint64       `json:"month_budget_bytes"`
	Health           *apiHealth   `json:"health"`
	Captures         []apiCapture `json:"captures"`
	Modem            *apiModem    `json:"modem"`
	Restarts         []apiRestart `json:"restarts"`
	Link             *apiLink     `json:"link"`
}

// apiLink is how the sensor is connected to the cloud's broker, or was
// last; null when not known.
type apiLink struct {
	Connected   bool    `json:"connected"`
	TLS         bool    `json:"tls"`
	Certificate bool    `json:"certificate"`
	Since       apiTime `json:"since"`
}

// apiModem is the sensor's LTE link in its newest batch.
type apiModem struct {
	State        string `json:"state"`
	Reason       string `json:"reason"`
	RSSIdBm      int32  `json:"rssi_dbm"`
	Bars         uint32 `json:"bars"`
	Registration string `json:"registration"`
	Operator     string `json:"operator"`
	Technology   string `json:"technology"`
	UsageMonth   string `json:"usage_month"`
	MonthRxBytes uint64 `json:"month_rx_bytes"`
	MonthTxBytes uint64 `json:"month_tx_bytes"`
}

// apiRestart is a supervision restart during the newest batch's minute.
type apiRestart struct {
	Actor  string  `json:"actor"`
	Reason string  `json:"reason"`
	At     apiTime `json:"at"`
	Total  uint32  `json:"total"`
}

func modemJSON(m *wirepb.Modem) *apiModem {
	if m == nil {
		return nil
	}
	return &apiModem{State: m.State, Reason: m.Reason, RSSIdBm: m.RssiDbm, Bars: m.Bars, Registration: m.Registration,
		Operator: m.Operator, Technology: m.Technology, UsageMonth: m.UsageMonth,
		MonthRxBytes: m.MonthRxBytes, MonthTxBytes: m.MonthTxBytes}
}

func restartsJSON(rs []*wirepb.SupervisorRestart) []apiRestart {
	out := make([]apiRestart, 0, len(rs))
	for _, r := range rs {
		out = append(out, apiRestart{Actor: r.Actor, Reason: r.Reason, At: apiTime(time.UnixMilli(r.UnixMs)), Total: r.Total})
	}
	return out
}

type apiName struct {
	IP        string  `json:"ip"`
	Name      string  `json:"name"`
	Source    string  `json:"source"`
	Count     uint64  `json:"count"`
	FirstSeen apiTime `json:"first_seen"`
	LastSeen  apiTime `json:"last_seen"`
}

// apiError answers a query error with 400 and anything else with 500.
func (s *Server) apiError(w http.ResponseWriter, what string, err error) {
	var pe *paramError
	if errors.As(err, &pe) {
		writeJSONError(w, http.StatusBadRequest, pe.Error())
		return
	}
	s.log.Error("api", "what", what, "err", err)
	writeJSONError(w, http.StatusInternalServerError, "internal error")
}

func (s *Server) apiDevices(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	search, err := parseSearch(q, "q")
	if err != nil {
		s.apiError(w, "devices", err)
		return
	}
	limit, offset, err := parseLimitOffset(q, apiDefaultLimit, apiMaxLimit)
	if err != nil {
		s.apiError(w, "devices", err)
		return
	}
	devs, err := s.store.Devices(r.Context(), sess.Tenant, store.DeviceQuery{Search: search, Limit: limit + 1, Offset: offset})
	if err != nil {
		s.apiError(w, "devices", err)
		return
	}
	more := len(devs) > limit
	if more {
		devs = devs[:limit]
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.apiError(w, "devices", err)
		return
	}
	out := make([]apiDevice, len(devs))
	for i, d := range devs {
		x, _ := inv.Device(d.MAC)
		out[i] = apiDevice{
			apiInference: inference(x),
			MAC:          d.MAC,
			IPs:          addrStrings(d.IPs),
			Hostname:     d.Hostname,
			DHCPVendor:   d.DHCPVendor,
			VLAN:         d.VLAN,
			FirstSeen:    apiTime(d.FirstSeen),
			LastSeen:     apiTime(d.LastSeen),
			SentPackets:  d.SentPackets,
			SentBytes:    d.SentBytes,
			RecvPackets:  d.RecvPackets,
			RecvBytes:    d.RecvBytes,
			Sensors:      nonNil(d.Sensors),
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Devices []apiDevice `json:"devices"`
		Limit   int         `json:"limit"`
		Offset  int         `json:"offset"`
		HasMore bool        `json:"has_more"`
	}{out, limit, offset, more})
}

func (s *Server) apiFlows(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	f, err := parseFlowFilter(q, s.loc)
	if err != nil {
		s.apiError(w, "flows", err)
		return
	}
	limit, offset, err := parseLimitOffset(q, apiDefaultLimit, apiMaxLimit)
	if err != nil {
		s.apiError(w, "flows", err)
		return
	}
	flows, err := s.store.Flows(r.Context(), sess.Tenant, f.query(limit+1, offset))
	if err != nil {
		s.apiError(w, "flows", err)
		return
	}
	more := len(flows) > limit
	if more {
		flows = flows[:limit]
	}
	out := make([]apiFlow, len(flows))
	for i, fl := range flows {
		out[i] = apiFlow{
			Sensor:      fl.Sensor,
			Minute:      apiTime(fl.Minute),
			Proto:       fl.Proto,
			ProtoName:   strings.ToLower(protoName(fl.Proto)),
			SrcIP:       addrString(fl.SrcIP),
			SrcPort:     fl.SrcPort,
			DstIP:       addrString(fl.DstIP),
			DstPort:     fl.DstPort,
			SrcMAC:      fl.SrcMAC,
			DstMAC:      fl.DstMAC,
			VLAN:        fl.VLAN,
			Routed:      fl.Routed,
			DstVLAN:     fl.DstVLAN,
			SrcPackets:  fl.SrcPackets,
			SrcBytes:    fl.SrcBytes,
			DstPackets:  fl.DstPackets,
			DstBytes:    fl.DstBytes,
			SrcTCPFlags: fl.SrcTCPFlags,
			DstTCPFlags: fl.DstTCPFlags,
			First:       apiTime(fl.First),
			Last:        apiTime(fl.Last),
			New:         fl.New,
			Ended:       fl.Ended,
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Flows   []apiFlow `json:"flows"`
		Limit   int       `json:"limit"`
		Offset  int       `json:"offset"`
		HasMore bool      `json:"has_more"`
	}{out, limit, offset, more})
}

func (s *Server) apiSensors(w http.ResponseWriter, r *http.Request, sess *session) {
	list, err := s.store.Sensors(r.Context(), sess.Tenant)
	if err != nil {
		s.apiError(w, "sensors", err)
		return
	}
	now := s.now()
	var links map[string]SensorLink
	if s.sensorLinks != nil {
		links = s.sensorLinks(sess.Tenant)
	}
	out := make([]apiSensor, len(list))
	for i, sn := range list {
		card := s.sensorCard(sn, now)
		var link *apiLink
		if l, ok := links[sn.ID]; ok {
			link = &apiLink{Connected: l.Connected, TLS: l.TLS, Certificate: l.Certificate, Since: apiTime(l.Since)}
		}
		out[i] = apiSensor{
			Link:             link,
			ID:               sn.ID,
			DisplayName:      sn.DisplayName,
			Status:           card.Status,
			SoftwareVersion:  sn.SoftwareVersion,
			LastSeq:          sn.LastSeq,
			LastSeen:         apiTime(sn.LastSeen),
			LastMinute:       apiTime(sn.LastMinute),
			Batches:          sn.Batches,
			Month:            sn.Month,
			MonthBytes:       sn.MonthBytes,
			MonthBudgetBytes: MonthlyBudgetBytes,
			Health:           healthJSON(sn.Health),
			Captures:         capturesJSON(sn.Captures),
			Modem:            modemJSON(sn.Modem),
			Restarts:         restartsJSON(sn.Restarts),
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Sensors []apiSensor `json:"sensors"`
	}{out})
}

func (s *Server) apiNames(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	search, err := parseSearch(q, "q")
	if err != nil {
		s.apiError(w, "names", err)
		return
	}
	limit, offset, err := parseLimitOffset(q, apiDefaultLimit, apiMaxLimit)
	if err != nil {
		s.apiError(w, "names", err)
		return
	}
	names, err := s.store.Names(r.Context(), sess.Tenant, store.NameQuery{Search: search, Limit: limit + 1, Offset: offset})
	if err != nil {
		s.apiError(w, "names", err)
		return
	}
	more := len(names) > limit
	if more {
		names = names[:limit]
	}
	out := make([]apiName, len(names))
	for i, n := range names {
		out[i] = apiName{
			IP:        addrString(n.IP),
			Name:      n.Name,
			Source:    n.Source,
			Count:     n.Count,
			FirstSeen: apiTime(n.FirstSeen),
			LastSeen:  apiTime(n.LastSeen),
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Names   []apiName `json:"names"`
		Limit   int       `json:"limit"`
		Offset  int       `json:"offset"`
		HasMore bool      `json:"has_more"`
	}{out, limit, offset, more})
}

func healthJSON(h *wirepb.Health) *apiHealth {
	if h == nil {
		return nil
	}
	return &apiHealth{
		CPUPercent:     h.GetCpuPercent(),
		MemUsedBytes:   h.GetMemUsedBytes(),
		MemTotalBytes:  h.GetMemTotalBytes(),
		DiskUsedBytes:  h.GetDiskUsedBytes(),
		DiskTotalBytes: h.GetDiskTotalBytes(),
		TemperatureC:   h.GetTemperatureC(),
		UptimeSeconds:  h.GetUptimeSeconds(),
		Load1:          h.GetLoad1(),
		SpoolBacklog:   h.GetSpoolBacklog(),
	}
}

func capturesJSON(cs []*wirepb.CaptureStats) []apiCapture {
	out := make([]apiCapture, 0, len(cs))
	for _, c := range cs {
		out = append(out, apiCapture{
			Source:       c.GetSource(),
			Packets:      c.GetPackets(),
			Bytes:        c.GetBytes(),
			KernelDrops:  c.GetKernelDrops(),
			DecodeErrors: c.GetDecodeErrors(),
			NonIPPackets: c.GetNonIpPackets(),
			FlowsActive:  c.GetFlowsActive(),
			FlowsExpired: c.GetFlowsExpired(),
			FlowsEvicted: c.GetFlowsEvicted(),
		})
	}
	return out
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func addrStrings(as []netip.Addr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = addrString(a)
	}
	return out
}

// nonNil keeps empty lists as [] rather than null in JSON.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
