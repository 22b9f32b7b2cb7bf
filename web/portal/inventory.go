package portal

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/intel"
	"mimamori/edge/intel/eol"
	"mimamori/edge/intel/osfp"
	"mimamori/edge/intel/services"
)

// The inventory screens: device detail (V1-3), the three matrices
// (V1-4..V1-6), the six rankings (V4-1..V4-6) and service names (S1-5).
// They all read the tenant's inventory from the inventory service, which
// rebuilds it only when the tenant's data changed.

// rankingLimit is how many rows a ranking page shows.
const rankingLimit = 50

// periods are the ranking periods a page offers, in days.
var periods = []struct {
	Key   string
	Label string
	Days  int
}{{"1d", "過去1日", 1}, {"7d", "過去7日", 7}, {"30d", "過去30日", 30}}

const defaultPeriod = "7d"

// parsePeriod reads the period parameter.
func parsePeriod(q url.Values) (string, time.Duration, error) {
	v := q.Get("period")
	if v == "" {
		v = defaultPeriod
	}
	for _, p := range periods {
		if p.Key == v {
			return v, time.Duration(p.Days) * 24 * time.Hour, nil
		}
	}
	return "", 0, &paramError{Param: "period", Reason: "want 1d, 7d or 30d"}
}

// deviceRow is a device as the list, rankings and matrices show it.
type deviceRow struct {
	*intel.Device
	IP        string
	RoleLabel string
	OSFamily  string // Japanese family label
	EOLLabel  string
	EOLClass  string // badge class: ok, late (partly or soon out of support), fault (out of support), none
}

func newDeviceRow(d *intel.Device) deviceRow {
	r := deviceRow{Device: d, RoleLabel: d.Role.Japanese(), OSFamily: intel.FamilyJapanese(d.OS.Family),
		EOLLabel: intel.EOLJapanese(d.EOL.State)}
	if ip := d.PrimaryIP(); ip.IsValid() {
		r.IP = ip.String()
	}
	switch d.EOL.State {
	case eol.EOL:
		r.EOLClass = "fault"
	case eol.Partial, eol.Ending:
		r.EOLClass = "late"
	case eol.Supported:
		r.EOLClass = "ok"
	default:
		r.EOLClass = "none"
	}
	return r
}

// deviceLink is the detail page of a device.
func deviceLink(mac string) string { return "/devices/" + url.PathEscape(mac) }

type evidenceRow struct {
	Source     string
	OS         string
	Family     string
	Confidence int
	Detail     string
	Supports   bool // agrees with the estimate's family
}

type productRow struct {
	Name string
	End  string
	Kind string
}

type deviceView struct {
	Row           deviceRow
	Store         store.Device
	HasStore      bool
	Evidence      []evidenceRow
	Products      []productRow
	Reasons       []string
	OtherRoles    []string
	Importance    intel.ImportanceParts
	Served        []intel.ServiceUse
	Used          []intel.ServiceUse
	Conversations []convRow
}

type convRow struct {
	Peer      string
	PeerLink  string
	PeerName  string
	Direction string // 送信 (as client) or 受信 (as server)
	Service   string
	Bytes     uint64
	Packets   uint64
	LastSeen  time.Time
}

// devicePage shows one device (端末 > 詳細).
func (s *Server) devicePage(w http.ResponseWriter, r *http.Request, sess *session) {
	mac := strings.ToLower(r.PathValue("mac"))
	if hw, err := net.ParseMAC(mac); err != nil || len(hw) != 6 {
		s.notFound(w, r)
		return
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.log.Error("device", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	d, ok := inv.Device(mac)
	if !ok {
		s.notFound(w, r)
		return
	}
	v := deviceView{Row: newDeviceRow(d), Importance: d.ImportanceOf, Served: d.Served, Used: d.Used}
	if devs, err := s.store.Devices(r.Context(), sess.Tenant, store.DeviceQuery{Search: mac, Limit: 5}); err == nil {
		for _, sd := range devs {
			if sd.MAC == mac {
				v.Store, v.HasStore = sd, true
			}
		}
	}
	for _, e := range d.OS.Evidence {
		v.Evidence = append(v.Evidence, evidenceRow{Source: intel.SourceJapanese(e.Source), OS: e.OS.Name,
			Family: intel.FamilyJapanese(e.OS.Family), Confidence: e.Confidence, Detail: e.Detail,
			Supports: e.OS.Family != "" && e.OS.Family == d.OS.Family})
	}
	for _, p := range d.EOL.Products {
		end := "—"
		if !p.End.IsZero() {
			end = p.End.Format("2006年1月2日")
		}
		kind := "サポート終了"
		if p.Kind == "sale" {
			kind = "販売終了"
		}
		v.Products = append(v.Products, productRow{Name: p.Name, End: end, Kind: kind})
	}
	for _, rs := range d.RoleReasons {
		v.Reasons = append(v.Reasons, rs.Japanese())
	}
	for _, o := range d.OtherRoles {
		v.OtherRoles = append(v.OtherRoles, o.Japanese())
	}
	v.Conversations = conversationsOf(inv, d)
	s.render(w, r, http.StatusOK, "device", s.data(sess, d.MAC+" 詳細", "devices", v))
}

// conversationsOf lists a device's conversations with their peers, the
// busiest first, at most 50.
func conversationsOf(inv *intel.Inventory, d *intel.Device) []convRow {
	own := map[string]bool{}
	for _, ip := range d.IPs {
		own[ip.String()] = true
	}
	var out []convRow
	for i := range inv.Conversations {
		c := &inv.Conversations[i]
		var peer string
		dir := ""
		switch {
		case own[c.Client.String()]:
			peer, dir = c.Server.String(), "クライアント"
		case own[c.Server.String()]:
			peer, dir = c.Client.String(), "サーバー"
		default:
			continue
		}
		row := convRow{Peer: peer, Direction: dir, Service: inv.Services.Name(c.Proto, c.Port),
			Bytes: c.Bytes(), Packets: c.Packets(), LastSeen: c.LastSeen}
		if pd, ok := inv.DeviceByIP(otherAddr(c, dir)); ok && pd.MAC != d.MAC {
			row.PeerLink, row.PeerName = deviceLink(pd.MAC), pd.Hostname
		}
		out = append(out, row)
	}
	slices.SortStableFunc(out, func(a, b convRow) int {
		switch {
		case a.Bytes > b.Bytes:
			return -1
		case a.Bytes < b.Bytes:
			return 1
		}
		return strings.Compare(a.Peer, b.Peer)
	})
	if len(out) > 50 {
		out = out[:50]
	}
	return out
}

func otherAddr(c *intel.Conversation, dir string) netip.Addr {
	if dir == "クライアント" {
		return c.Server
	}
	return c.Client
}

// matrixInfo describes one matrix page.
var matrixInfo = map[intel.MatrixKind]struct{ Title, Crumb, Lead string }{
	intel.MatrixVendor: {"ベンダーマトリクス", "ベンダーマトリクス", "端末をMACアドレスのベンダー (OUI) で色分けしています。"},
	intel.MatrixOS:     {"OSマトリクス", "OSマトリクス", "端末が送信したパケットから推定したOSで色分けしています。マウスを重ねると推定OSと信頼度 (1〜5) を表示します。"},
	intel.MatrixRole:   {"役割マトリクス", "役割マトリクス", "通信の接続状況から推定した役割で色分けしています。"},
}

type matrixCellView struct {
	Device *intel.Device
	Link   string
	Class  string // swatch class
	Title  string // hover text
	Label  string // short text in the square
}

type matrixView struct {
	Kind    intel.MatrixKind
	Title   string
	Lead    string
	Matrix  intel.Matrix
	Rows    [][]matrixCellView
	Legend  []legendView
	PrevURL string
	NextURL string
	// Confidence counts devices by OS confidence, 5 down to 1, then
	// unknown (OS matrix only).
	Confidence []confidenceCount
}

type confidenceCount struct {
	Level   int // 0 = unknown
	Dots    string
	Devices int
}

type legendView struct {
	intel.LegendEntry
	Class string
}

// swatchClass maps a legend entry to its colour class in style.css: the
// palette's fifteen colours, then "other" and "unknown".
func swatchClass(m *intel.Matrix, i int) string {
	if i < 0 || i >= len(m.Legend) {
		return "swatch-unknown"
	}
	switch l := m.Legend[i]; {
	case l.Key == "":
		return "swatch-unknown"
	case l.Key == "other":
		return "swatch-other"
	}
	return "swatch-" + strconv.Itoa(i)
}

func (s *Server) matrixPage(w http.ResponseWriter, r *http.Request, sess *session) {
	kind := intel.MatrixKind(r.PathValue("kind"))
	info, ok := matrixInfo[kind]
	if !ok {
		s.notFound(w, r)
		return
	}
	page, err := parsePageNumber(r.URL.Query(), intel.MatrixSize*intel.MatrixSize)
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "表示できませんでした", paramMessage(err))
		return
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.log.Error("matrix", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	m := intel.BuildMatrix(inv, kind, page)
	v := matrixView{Kind: kind, Title: info.Title, Lead: info.Lead, Matrix: m}
	for i := range m.Legend {
		v.Legend = append(v.Legend, legendView{LegendEntry: m.Legend[i], Class: swatchClass(&m, i)})
	}
	v.Rows = make([][]matrixCellView, intel.MatrixSize)
	for row := range v.Rows {
		v.Rows[row] = make([]matrixCellView, intel.MatrixSize)
	}
	for _, c := range m.Cells {
		d := c.Device
		title := d.MAC
		if ip := d.PrimaryIP(); ip.IsValid() {
			title = ip.String() + " / " + title
		}
		if d.Hostname != "" {
			title += "\n" + d.Hostname
		}
		title += "\n" + m.Legend[c.Legend].Label
		if c.Detail != "" {
			title += "\n" + c.Detail
		}
		v.Rows[c.Row][c.Col] = matrixCellView{Device: d, Link: deviceLink(d.MAC), Class: swatchClass(&m, c.Legend),
			Title: title, Label: lastOctet(d)}
	}
	if kind == intel.MatrixOS {
		var n [osfp.ConfCertain + 1]int
		for i := range inv.Devices {
			n[min(max(inv.Devices[i].OS.Confidence, 0), osfp.ConfCertain)]++
		}
		for lvl := osfp.ConfCertain; lvl >= 0; lvl-- {
			v.Confidence = append(v.Confidence, confidenceCount{Level: lvl, Dots: confidenceDots(lvl), Devices: n[lvl]})
		}
	}
	link := func(p int) string {
		u := url.URL{Path: r.URL.Path, RawQuery: url.Values{"page": {strconv.Itoa(p)}}.Encode()}
		return u.String()
	}
	if m.Page > 1 {
		v.PrevURL = link(m.Page - 1)
	}
	if m.Page < m.Pages {
		v.NextURL = link(m.Page + 1)
	}
	s.render(w, r, http.StatusOK, "matrix", s.data(sess, info.Title, "matrix-"+string(kind), v))
}

// lastOctet is the short label of a square: the last part of the
// device's address, or "—".
func lastOctet(d *intel.Device) string {
	ip := d.PrimaryIP()
	if !ip.IsValid() {
		return "—"
	}
	if ip.Is4() {
		return strconv.Itoa(int(ip.As4()[3]))
	}
	s := ip.String()
	return s[strings.LastIndexByte(s, ':')+1:]
}

// rankingKinds are the six rankings (V4-1..V4-6) in menu order.
var rankingKinds = []struct {
	Key, Title string
	Period     bool // reads a period of traffic
}{
	{"traffic", "端末トラフィック量", true},
	{"peers", "端末接続端末数", true},
	{"importance", "端末重要度", false},
	{"service-traffic", "サービストラフィック量", true},
	{"service-devices", "サービス別端末数", true},
	{"vendors", "ベンダー別端末数", false},
}

type rankingView struct {
	Key, Title string
	HasPeriod  bool
	Period     string
	Periods    []periodLink
	Devices    []rankedDevice
	Services   []intel.ServiceRank
	Vendors    []vendorRow
	Empty      bool
}

type periodLink struct {
	Label, URL string
	Active     bool
}

type rankedDevice struct {
	Rank int
	deviceRow
	Link    string
	Bytes   uint64
	Packets uint64
	Peers   int
}

type vendorRow struct {
	Rank  int
	Label string
	Count int
	IPs   []string
	More  int
}

func rankingTitle(key string) (string, bool, bool) {
	for _, k := range rankingKinds {
		if k.Key == key {
			return k.Title, k.Period, true
		}
	}
	return "", false, false
}

// rankingData computes one ranking; the page and the API share it.
func (s *Server) rankingData(r *http.Request, tenant, key string, period time.Duration, limit int) (rankingView, error) {
	title, hasPeriod, _ := rankingTitle(key)
	v := rankingView{Key: key, Title: title, HasPeriod: hasPeriod}
	inv, err := s.inventory.Inventory(r.Context(), tenant)
	if err != nil {
		return v, err
	}
	var convs []intel.Conversation
	if hasPeriod {
		if convs, err = s.inventory.Conversations(r.Context(), tenant, period); err != nil {
			return v, err
		}
	}
	addDevices := func(rs []intel.DeviceRank) {
		for i, x := range rs {
			if i == limit {
				break
			}
			v.Devices = append(v.Devices, rankedDevice{Rank: i + 1, deviceRow: newDeviceRow(x.Device), Link: deviceLink(x.Device.MAC),
				Bytes: x.Bytes, Packets: x.Packets, Peers: x.Peers})
		}
	}
	switch key {
	case "traffic":
		addDevices(intel.DevicesByTraffic(inv, convs))
	case "peers":
		addDevices(intel.DevicesByPeers(inv, convs))
	case "importance":
		for i, d := range intel.DevicesByImportance(inv) {
			if i == limit {
				break
			}
			v.Devices = append(v.Devices, rankedDevice{Rank: i + 1, deviceRow: newDeviceRow(d), Link: deviceLink(d.MAC), Peers: d.Peers})
		}
	case "service-traffic":
		v.Services = intel.ServicesByTraffic(convs, inv.Services)
	case "service-devices":
		v.Services = intel.ServicesByDevices(convs, inv.Services)
	case "vendors":
		for i, x := range intel.VendorsByDevices(inv) {
			if i == limit {
				break
			}
			row := vendorRow{Rank: i + 1, Label: x.Label, Count: len(x.Devices)}
			for j, ip := range x.IPs {
				if j == 12 {
					row.More = len(x.IPs) - j
					break
				}
				row.IPs = append(row.IPs, ip.String())
			}
			v.Vendors = append(v.Vendors, row)
		}
	}
	if len(v.Services) > limit {
		v.Services = v.Services[:limit]
	}
	v.Empty = len(v.Devices) == 0 && len(v.Services) == 0 && len(v.Vendors) == 0
	return v, nil
}

func (s *Server) rankingPage(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("kind")
	if _, _, ok := rankingTitle(key); !ok {
		s.notFound(w, r)
		return
	}
	pk, period, err := parsePeriod(r.URL.Query())
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "表示できませんでした", paramMessage(err))
		return
	}
	v, err := s.rankingData(r, sess.Tenant, key, period, rankingLimit)
	if err != nil {
		s.log.Error("ranking", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	v.Period = pk
	for _, p := range periods {
		v.Periods = append(v.Periods, periodLink{Label: p.Label, URL: r.URL.Path + "?period=" + p.Key, Active: p.Key == pk})
	}
	s.render(w, r, http.StatusOK, "ranking", s.data(sess, v.Title, "ranking-"+key, v))
}

// servicesView is the service-name settings page (S1-5).
type servicesView struct {
	Custom    []store.ServiceName
	Builtin   []services.Service
	Query     string
	Pager     pager
	Admin     bool
	Notice    string
	Error     string
	FormName  string
	FormPort  string
	FormProto string
	FormDesc  string
}

const servicesPageSize = 50

func (s *Server) servicesPage(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderServices(w, r, sess, http.StatusOK, servicesView{Notice: noticeText(r.URL.Query().Get("done"))})
}

func noticeText(done string) string {
	switch done {
	case "saved":
		return "サービス名を保存しました。"
	case "deleted":
		return "サービス名を削除しました。"
	}
	return ""
}

func (s *Server) renderServices(w http.ResponseWriter, r *http.Request, sess *session, status int, v servicesView) {
	q, err := parseSearch(r.URL.Query(), "q")
	page, perr := parsePageNumber(r.URL.Query(), servicesPageSize)
	if err == nil {
		err = perr
	}
	if err != nil {
		v.Error = paramMessage(err)
		status = http.StatusBadRequest
	}
	v.Query = q
	v.Admin = s.isAdmin(r, sess)
	if v.Custom, err = s.store.ServiceNames(r.Context(), sess.Tenant); err != nil {
		s.log.Error("service names", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	all := s.inventory.Engine().Services().All()
	var match []services.Service
	lq := strings.ToLower(q)
	for _, sv := range all {
		if lq == "" || strings.Contains(strings.ToLower(sv.Name), lq) || strconv.Itoa(int(sv.Port)) == lq ||
			strings.Contains(strings.ToLower(sv.Description), lq) {
			match = append(match, sv)
		}
	}
	start := min((page-1)*servicesPageSize, len(match))
	end := min(start+servicesPageSize, len(match))
	v.Builtin = match[start:end]
	v.Pager = newPager(r, page, servicesPageSize, len(v.Builtin), end < len(match))
	s.render(w, r, status, "services", s.data(sess, "サービス名管理", "services", v))
}

// isAdmin reports whether the session's user may change settings.
func (s *Server) isAdmin(r *http.Request, sess *session) bool {
	u, err := s.store.UserByEmail(r.Context(), sess.Email)
	return err == nil && u.Admin && u.Tenant == sess.Tenant
}

// servicesSubmit saves or deletes a custom service name.
func (s *Server) servicesSubmit(w http.ResponseWriter, r *http.Request, sess *session) {
	v := servicesView{FormName: r.PostFormValue("name"), FormPort: r.PostFormValue("port"),
		FormProto: r.PostFormValue("proto"), FormDesc: r.PostFormValue("description")}
	if !s.isAdmin(r, sess) {
		v.Error = "サービス名は管理者のみ変更できます。"
		s.renderServices(w, r, sess, http.StatusForbidden, v)
		return
	}
	proto, ok := map[string]uint8{"tcp": services.TCP, "udp": services.UDP}[v.FormProto]
	port, perr := strconv.Atoi(strings.TrimSpace(v.FormPort))
	if !ok || perr != nil || port < 1 || port > 65535 {
		v.Error = "プロトコルとポート番号 (1〜65535) を指定してください。"
		s.renderServices(w, r, sess, http.StatusBadRequest, v)
		return
	}
	if r.PostFormValue("action") == "delete" {
		err := s.store.DeleteServiceName(r.Context(), sess.Tenant, proto, uint16(port))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Error("delete service name", "tenant", sess.Tenant, "err", err)
			s.serverError(w, r, pageRoute)
			return
		}
		http.Redirect(w, r, "/settings/services?done=deleted", http.StatusSeeOther)
		return
	}
	err := s.store.SetServiceName(r.Context(), sess.Tenant, store.ServiceName{Proto: proto, Port: uint16(port),
		Name: strings.TrimSpace(v.FormName), Description: strings.TrimSpace(v.FormDesc), UpdatedBy: sess.Email})
	switch {
	case errors.Is(err, store.ErrInvalid):
		v.Error = "サービス名は1〜64文字で、改行を含めずに入力してください (説明は200文字以内)。"
		s.renderServices(w, r, sess, http.StatusBadRequest, v)
		return
	case err != nil:
		s.log.Error("set service name", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	http.Redirect(w, r, "/settings/services?done=saved", http.StatusSeeOther)
}

// confidenceDots renders a 1..5 confidence as filled and empty dots.
func confidenceDots(n int) string {
	n = min(max(n, 0), osfp.ConfCertain)
	return strings.Repeat("●", n) + strings.Repeat("○", osfp.ConfCertain-n)
}
