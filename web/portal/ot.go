package portal

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/intel"
	"mimamori/edge/intel/otrisk"
)

// otPageSize is the page size of the OT protocol lists.
const otPageSize = 100

// otProtocolNames are the protocols' display names; an id without one is
// shown as it is.
var otProtocolNames = map[string]string{
	"modbus":             "Modbus/TCP",
	"slmp":               "SLMP",
	"fins":               "FINS",
	"melsoft":            "MELSOFT",
	"enip":               "EtherNet/IP",
	"cip":                "CIP",
	"s7comm":             "S7comm",
	"s7comm-plus":        "S7comm-plus",
	"dnp3":               "DNP3",
	"bacnet":             "BACnet/IP",
	"opcua":              "OPC UA",
	"iec104":             "IEC 60870-5-104",
	"cclink-ief-basic":   "CC-Link IE Field Basic",
	"cclink-ie-field":    "CC-Link IE Field",
	"cclink-ie-control":  "CC-Link IE Control",
	"cclink-ie-tsn":      "CC-Link IE TSN",
	"cclink-ie-tsn-slmp": "CC-Link IE TSN (SLMP)",
	"ptp":                "PTP",
	"profinet-dcp":       "PROFINET DCP",
	"profinet-rt":        "PROFINET RT",
}

func otProtocolName(id string) string {
	if n, ok := otProtocolNames[id]; ok {
		return n
	}
	return id
}

// decimalCodes are protocols whose codes are written in decimal (Modbus
// function codes, DNP3 function codes, BACnet services, IEC 104 type ids,
// OPC UA node ids); the others' in hexadecimal, as their manuals do.
var decimalCodes = map[string]bool{"modbus": true, "dnp3": true, "bacnet": true, "iec104": true, "opcua": true}

func otCode(protocol string, code uint32) string {
	if decimalCodes[protocol] {
		return strconv.FormatUint(uint64(code), 10)
	}
	if code <= 0xff {
		return fmt.Sprintf("0x%02x", code)
	}
	if code <= 0xffff {
		return fmt.Sprintf("0x%04x", code)
	}
	return fmt.Sprintf("0x%x", code)
}

// otLayerView is what differs between the two lists.
type otLayerView struct {
	Key    string // ip, ethernet
	Title  string
	Path   string
	Active string
	Layer  store.OTLayer
}

var otLayers = map[string]otLayerView{
	"ip":       {Key: "ip", Title: "OTプロトコル 一覧(IP)", Path: "/ot/ip", Active: "ot-ip", Layer: store.OTLayerIP},
	"ethernet": {Key: "ethernet", Title: "OTプロトコル 一覧(イーサネット)", Path: "/ot/ethernet", Active: "ot-ethernet", Layer: store.OTLayerEthernet},
}

// otEndpoint is one side of an event with the inventory's view of it.
type otEndpoint struct {
	Addr   string // IP or MAC
	Ports  string // "502", "49152-50100", "" for layer 2
	MAC    string
	Name   string // host name from the inventory
	Vendor string
	Link   string // 端末 > 詳細, "" when the inventory does not know the device
	Device string // the device's MAC when the inventory knows it
}

type otRow struct {
	store.OTEvent
	ProtocolName string
	CodeText     string
	Src, Dst     otEndpoint
	Marks        []string // Japanese labels of otrisk marks
	MarkKeys     []string
	Severe       bool // control or program
	// DetailItems are the details' "key=values" items, escaped, shown one
	// by one so that the cell wraps between them rather than inside a
	// word, and inside one only after a comma between values.
	DetailItems []template.HTML
}

type otOption struct {
	Value, Label string
	Selected     bool
}

type otView struct {
	otLayerView
	// The form's values as entered.
	Protocol, Function, Device, Sensor, From, To, Sort string
	Protocols                                          []otOption
	Functions                                          []otOption // suggestions for the function box
	Sensors                                            []otOption // offered when the tenant has several
	Sorts                                              []otOption
	Period                                             string // the days shown, in words
	Rows                                               []otRow
	Pager                                              pager
	Error                                              string
	Filtered                                           bool
	CSVURL                                             string
	// Latest is the day (Japan time) of the newest matching event when
	// the default period has none — a sensor that stopped reporting, or
	// captures replayed from the past — and LatestURL the list for the
	// week up to it, LatestLink that link's text.
	Latest, LatestURL, LatestLink string
}

var otSortOptions = []otOption{
	{Value: "", Label: "最終検知が新しい順"},
	{Value: "count", Label: "件数の多い順"},
	{Value: "errors", Label: "エラーの多い順"},
	{Value: "first", Label: "初回検知が新しい順"},
	{Value: "protocol", Label: "プロトコル・機能順"},
}

// otEndpointOf describes one side: its address, ports, and the device the
// inventory knows by that address (IP protocols) or MAC (layer 2). An IP
// event's MAC is not used to find the device: for routed traffic it is the
// router's.
func otEndpointOf(inv *intel.Inventory, ip netip.Addr, mac string, ports string) otEndpoint {
	ep := otEndpoint{MAC: mac, Ports: ports}
	var d *intel.Device
	var ok bool
	if ip.IsValid() {
		ep.Addr = ip.String()
		d, ok = inv.DeviceByIP(ip)
	} else if mac != "" {
		ep.Addr = mac
		d, ok = inv.Device(mac)
	}
	if ok {
		ep.Name, ep.Vendor, ep.Link, ep.Device = d.Hostname, d.Vendor, deviceLink(d.MAC), d.MAC
	}
	return ep
}

func portRange(lo, hi uint16) string {
	switch {
	case hi == 0:
		return ""
	case lo == hi:
		return strconv.Itoa(int(lo))
	}
	return strconv.Itoa(int(lo)) + "-" + strconv.Itoa(int(hi))
}

func newOTRow(inv *intel.Inventory, e store.OTEvent) otRow {
	r := otRow{OTEvent: e, ProtocolName: otProtocolName(e.Protocol), CodeText: otCode(e.Protocol, e.Code)}
	var srcPorts, dstPorts string
	if !e.Layer2() {
		srcPorts = portRange(e.SrcPortMin, e.SrcPortMax)
		if e.DstPort != 0 {
			dstPorts = strconv.Itoa(int(e.DstPort))
		}
	}
	r.Src = otEndpointOf(inv, e.SrcIP, e.SrcMAC, srcPorts)
	r.Dst = otEndpointOf(inv, e.DstIP, e.DstMAC, dstPorts)
	m := otrisk.Classify(e.Protocol, e.Code, e.Function, e.Details)
	r.Marks, r.MarkKeys = m.Labels(), m.Keys()
	r.Severe = m&(otrisk.Control|otrisk.Program) != 0
	for _, item := range strings.Fields(e.Details) {
		r.DetailItems = append(r.DetailItems, template.HTML(strings.ReplaceAll(html.EscapeString(item), ",", ",<wbr>")))
	}
	return r
}

// otPeriod describes the days a filter covers, in Japan time.
func (s *Server) otPeriod(f otFilter) string {
	d := func(t time.Time) string { return t.In(s.loc).Format("2006/01/02") }
	switch {
	case f.From.IsZero() && f.To.IsZero():
		return fmt.Sprintf("直近%d日間", store.DefaultOTDays)
	case f.From.IsZero():
		return fmt.Sprintf("%sまでの直近%d日間", d(f.To.Add(-time.Second)), store.DefaultOTDays)
	case f.To.IsZero():
		return d(f.From) + "〜"
	}
	return d(f.From) + "〜" + d(f.To.Add(-time.Second))
}

// otPage serves OTプロトコル > 一覧(IP) (V5-1) or 一覧(イーサネット) (V5-2).
func (s *Server) otPage(layer string) sessionHandler {
	return func(w http.ResponseWriter, r *http.Request, sess *session) { s.otList(w, r, sess, otLayers[layer]) }
}

// otCSV serves a list's CSV download.
func (s *Server) otCSV(layer string) sessionHandler {
	return func(w http.ResponseWriter, r *http.Request, sess *session) { s.otListCSV(w, r, sess, otLayers[layer]) }
}

func (s *Server) otList(w http.ResponseWriter, r *http.Request, sess *session, lv otLayerView) {
	q := r.URL.Query()
	v := otView{otLayerView: lv, Protocol: q.Get("protocol"), Function: q.Get("function"), Device: q.Get("device"),
		Sensor: q.Get("sensor"), From: q.Get("from"), To: q.Get("to"), Sort: q.Get("sort")}
	data := func() pageData { return s.data(sess, lv.Title, lv.Active, v) }
	f, err := parseOTFilter(q, s.loc, false)
	page, perr := parsePageNumber(q, otPageSize)
	if err == nil {
		err = perr
	}
	for _, o := range otSortOptions {
		o.Selected = o.Value == v.Sort
		v.Sorts = append(v.Sorts, o)
	}
	if err != nil {
		v.Error = paramMessage(err)
		s.render(w, r, http.StatusBadRequest, "ot", data())
		return
	}
	f.Layer = lv.Layer
	v.Filtered = f.filtered()
	v.Period = s.otPeriod(f)
	v.CSVURL = lv.Path + ".csv"
	if enc := csvQuery(q); enc != "" {
		v.CSVURL += "?" + enc
	}
	protos, err := s.store.OTProtocols(r.Context(), sess.Tenant, store.TimeRange{From: f.From, To: f.To}, lv.Layer)
	if err != nil {
		s.log.Error("ot protocols", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	seen := false
	for _, p := range protos {
		v.Protocols = append(v.Protocols, otOption{Value: p, Label: otProtocolName(p), Selected: p == f.Protocol})
		seen = seen || p == f.Protocol
	}
	if f.Protocol != "" && !seen {
		v.Protocols = append(v.Protocols, otOption{Value: f.Protocol, Label: otProtocolName(f.Protocol), Selected: true})
	}
	fns, err := s.store.OTFunctions(r.Context(), sess.Tenant, store.TimeRange{From: f.From, To: f.To}, lv.Layer, f.Protocol)
	if err != nil {
		s.log.Error("ot functions", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	v.Functions = functionOptions(fns, f.Protocol == "")
	sensors, err := s.store.Sensors(r.Context(), sess.Tenant)
	if err != nil {
		s.log.Error("ot sensors", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	if len(sensors) > 1 || f.Sensor != "" {
		for _, sn := range sensors {
			label := sn.DisplayName
			if label == "" {
				label = sn.ID
			}
			v.Sensors = append(v.Sensors, otOption{Value: sn.ID, Label: label, Selected: sn.ID == f.Sensor})
		}
	}
	events, err := s.store.OTEvents(r.Context(), sess.Tenant, f.query(otPageSize+1, (page-1)*otPageSize))
	if err != nil {
		s.log.Error("ot events", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	more := len(events) > otPageSize
	if more {
		events = events[:otPageSize]
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.log.Error("ot inventory", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	for _, e := range events {
		v.Rows = append(v.Rows, newOTRow(inv, e))
	}
	v.Pager = newPager(r, page, otPageSize, len(events), more)
	if len(events) == 0 && page == 1 && f.From.IsZero() && f.To.IsZero() {
		if err := s.latestOT(r, sess, f, &v); err != nil {
			s.log.Error("ot latest", "tenant", sess.Tenant, "err", err)
			s.serverError(w, r, pageRoute)
			return
		}
	}
	s.render(w, r, http.StatusOK, "ot", data())
}

// latestOT fills v.Latest and v.LatestURL from the newest event that
// matches f at any time, if there is one.
func (s *Server) latestOT(r *http.Request, sess *session, f otFilter, v *otView) error {
	q := f.query(1, 0)
	q.Days = store.TimeRange{From: time.Unix(0, 0)}
	q.Sort = store.OTSortLast
	events, err := s.store.OTEvents(r.Context(), sess.Tenant, q)
	if err != nil || len(events) == 0 {
		return err
	}
	last := events[0].LastSeen.In(s.loc)
	v.Latest = last.Format("2006/01/02")
	params := url.Values{}
	if enc := csvQuery(r.URL.Query()); enc != "" {
		params, _ = url.ParseQuery(enc)
	}
	params.Set("from", last.AddDate(0, 0, -(store.DefaultOTDays-1)).Format("2006-01-02"))
	params.Set("to", last.Format("2006-01-02"))
	v.LatestURL = v.Path + "?" + params.Encode()
	v.LatestLink = fmt.Sprintf("%sまでの%d日間を表示", v.Latest, store.DefaultOTDays)
	return nil
}

// functionOptions are the function box's suggestions: each function's
// name (what the filter matches besides the code), or its code when it
// has no name, labelled with the code and, across protocols, the
// protocol.
func functionOptions(fns []store.OTFunction, withProtocol bool) []otOption {
	out := make([]otOption, 0, len(fns))
	for _, fn := range fns {
		code := otCode(fn.Protocol, fn.Code)
		o := otOption{Value: fn.Name, Label: code}
		if fn.Name == "" || fn.Name == "unknown" {
			o.Value = code
			o.Label = ""
		}
		if withProtocol {
			o.Label = strings.TrimPrefix(o.Label+" · "+otProtocolName(fn.Protocol), " · ")
		}
		out = append(out, o)
	}
	return out
}

// csvQuery keeps a list's filter for its CSV link, without the page.
func csvQuery(q url.Values) string {
	keep := url.Values{}
	for _, k := range []string{"protocol", "function", "device", "sensor", "from", "to", "sort"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			keep.Set(k, v)
		}
	}
	return keep.Encode()
}

var otCSVHeader = []string{
	"センサー", "プロトコル", "機能コード", "機能/コマンド", "注意",
	"送信元IP", "送信元ポート", "宛先IP", "宛先ポート", "送信元MAC", "宛先MAC", "VLAN",
	"送信元端末", "宛先端末",
	"件数", "要求", "応答", "エラー",
	"初回検知日時", "最終検知日時", "詳細",
}

// otListCSV exports an OT list with the page's filter (all pages).
func (s *Server) otListCSV(w http.ResponseWriter, r *http.Request, sess *session, lv otLayerView) {
	f, err := parseOTFilter(r.URL.Query(), s.loc, false)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "ダウンロードできませんでした", paramMessage(err))
		return
	}
	f.Layer = lv.Layer
	var all []store.OTEvent
	for len(all) < csvMaxRows {
		es, err := s.store.OTEvents(r.Context(), sess.Tenant, f.query(csvBatch, len(all)))
		if err != nil {
			s.log.Error("ot csv", "tenant", sess.Tenant, "err", err)
			s.serverError(w, r, pageRoute)
			return
		}
		all = append(all, es...)
		if len(es) < csvBatch {
			break
		}
	}
	if len(all) > csvMaxRows {
		all = all[:csvMaxRows]
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.log.Error("ot csv inventory", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	cw.Write(otCSVHeader)
	ts := s.formatTime(displayTime)
	device := func(ep otEndpoint) string {
		return strings.TrimSpace(strings.Join([]string{ep.Name, ep.Vendor}, " "))
	}
	for _, e := range all {
		row := newOTRow(inv, e)
		var srcIP, dstIP, dstPort string
		if e.SrcIP.IsValid() {
			srcIP = e.SrcIP.String()
		}
		if e.DstIP.IsValid() {
			dstIP = e.DstIP.String()
		}
		if e.DstPort != 0 {
			dstPort = strconv.Itoa(int(e.DstPort))
		}
		cw.Write([]string{
			csvText(e.Sensor),
			csvText(e.Protocol),
			row.CodeText,
			csvText(e.Function),
			strings.Join(row.Marks, " "),
			srcIP, row.Src.Ports, dstIP, dstPort, e.SrcMAC, e.DstMAC,
			vlanText(e.VLAN),
			csvText(device(row.Src)), csvText(device(row.Dst)),
			strconv.FormatUint(e.Count, 10),
			strconv.FormatUint(e.Requests, 10),
			strconv.FormatUint(e.Responses, 10),
			strconv.FormatUint(e.Errors, 10),
			ts(e.FirstSeen), ts(e.LastSeen),
			csvText(e.Details),
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.Error("ot csv", "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	name := "ot-" + lv.Key + "-" + s.now().In(s.loc).Format("20060102-1504") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(buf.Bytes())
}

// The API's OT event.
type apiOTDevice struct {
	MAC    string `json:"mac"`
	Name   string `json:"name"`
	Vendor string `json:"vendor"`
}

type apiOTEvent struct {
	Sensor       string       `json:"sensor"`
	Layer        string       `json:"layer"`
	Protocol     string       `json:"protocol"`
	ProtocolName string       `json:"protocol_name"`
	Code         uint32       `json:"code"`
	Function     string       `json:"function"`
	SrcIP        string       `json:"src_ip"`
	SrcPortMin   uint16       `json:"src_port_min"`
	SrcPortMax   uint16       `json:"src_port_max"`
	DstIP        string       `json:"dst_ip"`
	DstPort      uint16       `json:"dst_port"`
	SrcMAC       string       `json:"src_mac"`
	DstMAC       string       `json:"dst_mac"`
	VLAN         uint16       `json:"vlan"`
	SrcDevice    *apiOTDevice `json:"src_device"`
	DstDevice    *apiOTDevice `json:"dst_device"`
	Count        uint64       `json:"count"`
	Requests     uint64       `json:"requests"`
	Responses    uint64       `json:"responses"`
	Errors       uint64       `json:"errors"`
	FirstSeen    apiTime      `json:"first_seen"`
	LastSeen     apiTime      `json:"last_seen"`
	Details      string       `json:"details"`
	Marks        []string     `json:"marks"`
}

func apiOTDeviceOf(ep otEndpoint) *apiOTDevice {
	if ep.Device == "" {
		return nil
	}
	return &apiOTDevice{MAC: ep.Device, Name: ep.Name, Vendor: ep.Vendor}
}

func (s *Server) apiOT(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	f, err := parseOTFilter(q, s.loc, true)
	if err != nil {
		s.apiError(w, "ot", err)
		return
	}
	limit, offset, err := parseLimitOffset(q, apiDefaultLimit, apiMaxLimit)
	if err != nil {
		s.apiError(w, "ot", err)
		return
	}
	events, err := s.store.OTEvents(r.Context(), sess.Tenant, f.query(limit+1, offset))
	if err != nil {
		s.apiError(w, "ot", err)
		return
	}
	more := len(events) > limit
	if more {
		events = events[:limit]
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.apiError(w, "ot", err)
		return
	}
	out := make([]apiOTEvent, len(events))
	for i, e := range events {
		row := newOTRow(inv, e)
		layer := "ip"
		if e.Layer2() {
			layer = "ethernet"
		}
		out[i] = apiOTEvent{
			Sensor: e.Sensor, Layer: layer, Protocol: e.Protocol, ProtocolName: row.ProtocolName,
			Code: e.Code, Function: e.Function,
			SrcIP: addrString(e.SrcIP), SrcPortMin: e.SrcPortMin, SrcPortMax: e.SrcPortMax,
			DstIP: addrString(e.DstIP), DstPort: e.DstPort,
			SrcMAC: e.SrcMAC, DstMAC: e.DstMAC, VLAN: e.VLAN,
			SrcDevice: apiOTDeviceOf(row.Src), DstDevice: apiOTDeviceOf(row.Dst),
			Count: e.Count, Requests: e.Requests, Responses: e.Responses, Errors: e.Errors,
			FirstSeen: apiTime(e.FirstSeen), LastSeen: apiTime(e.LastSeen),
			Details: e.Details, Marks: row.MarkKeys,
		}
		if e.Errors > 0 {
			out[i].Marks = append(out[i].Marks, "error")
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Events  []apiOTEvent `json:"events"`
		Limit   int          `json:"limit"`
		Offset  int          `json:"offset"`
		HasMore bool         `json:"has_more"`
	}{out, limit, offset, more})
}
