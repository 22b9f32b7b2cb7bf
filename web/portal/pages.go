package portal

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"mimamori/cloud/store"
	"mimamori/edge/wire/wirepb"
)

// Page sizes of the HTML lists.
const (
	devicesPageSize = 50
	flowsPageSize   = 100
)

// MonthlyBudgetBytes is the upload a sensor's contract assumes per month
// (C4: 10 GB including updates). Usage is compared against it.
const MonthlyBudgetBytes uint64 = 10 << 30

// Freshness of a sensor's newest minute. C7 makes four hours without new
// data a fault; a few minutes covers the one-minute upload cycle with slack.
const (
	sensorFreshWithin = 5 * time.Minute
	sensorFaultAfter  = 4 * time.Hour
)

func (s *Server) data(sess *session, title, active string, v any) pageData {
	return pageData{Title: title, Active: active, Email: sess.Email, CSRF: sess.csrf, Data: v}
}

// paramMessage turns a query error into the message a page shows.
func paramMessage(err error) string {
	var pe *paramError
	if errors.As(err, &pe) {
		return pe.Japanese()
	}
	return "検索条件が正しくありません。"
}

type devicesView struct {
	Query   string
	Devices []deviceListRow
	Pager   pager
	Error   string
}

// deviceListRow is a stored device with what inference made of it; Intel
// is nil for a device the inventory does not know yet.
type deviceListRow struct {
	store.Device
	Intel *deviceRow
}

func (s *Server) devicesPage(w http.ResponseWriter, r *http.Request, sess *session) {
	v := devicesView{}
	q, err := parseSearch(r.URL.Query(), "q")
	page, perr := parsePageNumber(r.URL.Query(), devicesPageSize)
	if err == nil {
		err = perr
	}
	if err != nil {
		v.Error = paramMessage(err)
		s.render(w, r, http.StatusBadRequest, "devices", s.data(sess, "端末 一覧", "devices", v))
		return
	}
	v.Query = q
	// One row more than the page tells whether a next page exists without
	// counting the whole table.
	devs, err := s.store.Devices(r.Context(), sess.Tenant, store.DeviceQuery{
		Search: q,
		Limit:  devicesPageSize + 1,
		Offset: (page - 1) * devicesPageSize,
	})
	if err != nil {
		s.log.Error("devices", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	more := len(devs) > devicesPageSize
	if more {
		devs = devs[:devicesPageSize]
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.log.Error("devices inventory", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	for _, d := range devs {
		row := deviceListRow{Device: d}
		if x, ok := inv.Device(d.MAC); ok {
			dr := newDeviceRow(x)
			row.Intel = &dr
		}
		v.Devices = append(v.Devices, row)
	}
	v.Pager = newPager(r, page, devicesPageSize, len(devs), more)
	s.render(w, r, http.StatusOK, "devices", s.data(sess, "端末 一覧", "devices", v))
}

type flowsView struct {
	IP, Port, Proto, From, To string // the form's values as entered
	Flows                     []store.Flow
	Pager                     pager
	Error                     string
	Filtered                  bool
}

func (s *Server) flowsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	v := flowsView{IP: q.Get("ip"), Port: q.Get("port"), Proto: q.Get("proto"), From: q.Get("from"), To: q.Get("to")}
	f, err := parseFlowFilter(q, s.loc)
	page, perr := parsePageNumber(q, flowsPageSize)
	if err == nil {
		err = perr
	}
	if err != nil {
		v.Error = paramMessage(err)
		s.render(w, r, http.StatusBadRequest, "flows", s.data(sess, "IP通信", "flows", v))
		return
	}
	v.Filtered = f != (flowFilter{})
	flows, err := s.store.Flows(r.Context(), sess.Tenant, f.query(flowsPageSize+1, (page-1)*flowsPageSize))
	if err != nil {
		s.log.Error("flows", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	more := len(flows) > flowsPageSize
	if more {
		flows = flows[:flowsPageSize]
	}
	v.Flows = flows
	v.Pager = newPager(r, page, flowsPageSize, len(flows), more)
	s.render(w, r, http.StatusOK, "flows", s.data(sess, "IP通信", "flows", v))
}

// sensorView is one sensor card.
type sensorView struct {
	store.Sensor
	Status      string // ok, late, fault, none
	StatusLabel string
	UsageBytes  uint64 // this month's upload; 0 when the store's month is an older one
	UsageMonth  string // 2026年5月
	UsagePct    float64
	BudgetBytes uint64
	MemPct      float64
	DiskPct     float64
	// The LTE link, when the sensor has a modem.
	LTE *lteView
	// Link is its connection to the broker; nil when not known (an
	// external broker, or no login since the cloud started).
	Link *SensorLink
}

// lteView is the sensor's LTE link as its last batch described it.
type lteView struct {
	State, StateLabel string // the modem manager's state and its label
	Problem           bool   // not online
	Signal            string // "-71 dBm（4本）"
	Operator          string
	Technology        string
	// LineBytes is what the modem's interface carried this month (sent
	// and received), the figure the SIM contract bills; 0 when the
	// modem's month is an older one.
	LineBytes uint64
	LinePct   float64
}

// modemStates names the modem manager's states (edge/wire Modem.state).
var modemStates = map[string]string{
	"online": "接続中", "connecting": "接続処理中", "searching": "電波を探索中", "denied": "登録拒否",
	"no_sim": "SIMカードなし", "sim_locked": "SIMロック中", "no_modem": "モデム未接続",
	"initializing": "初期化中", "recovering": "復旧処理中", "unresponsive": "モデム応答なし", "starting": "起動中",
}

// lteCard turns the newest batch's modem report into the page's view.
func lteCard(m *wirepb.Modem, now time.Time) *lteView {
	if m == nil {
		return nil
	}
	v := &lteView{State: m.State, StateLabel: modemStates[m.State], Problem: m.State != "online",
		Operator: m.Operator, Technology: m.Technology}
	if v.StateLabel == "" {
		v.StateLabel = m.State
	}
	if m.RssiDbm != 0 {
		v.Signal = fmt.Sprintf("%d dBm（%d本）", m.RssiDbm, m.Bars)
	}
	// The sensor counts per month in its own time zone; the portal's month
	// is Japan's, the same for sensors installed in Japan.
	if m.UsageMonth == now.Format("2006-01") {
		v.LineBytes = m.MonthRxBytes + m.MonthTxBytes
	}
	v.LinePct = percent(v.LineBytes, MonthlyBudgetBytes)
	return v
}

type sensorsView struct {
	Sensors []sensorView
}

func (s *Server) sensorsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	list, err := s.store.Sensors(r.Context(), sess.Tenant)
	if err != nil {
		s.log.Error("sensors", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	now := s.now()
	var links map[string]SensorLink
	if s.sensorLinks != nil {
		links = s.sensorLinks(sess.Tenant)
	}
	v := sensorsView{Sensors: make([]sensorView, 0, len(list))}
	for _, sn := range list {
		card := s.sensorCard(sn, now)
		if l, ok := links[sn.ID]; ok {
			card.Link = &l
		}
		v.Sensors = append(v.Sensors, card)
	}
	s.render(w, r, http.StatusOK, "sensors", s.data(sess, "センサー管理", "sensors", v))
}

func (s *Server) sensorCard(sn store.Sensor, now time.Time) sensorView {
	v := sensorView{Sensor: sn, BudgetBytes: MonthlyBudgetBytes}
	if v.DisplayName == "" {
		v.DisplayName = sn.ID
	}
	switch age := now.Sub(sn.LastMinute); {
	case sn.LastMinute.IsZero():
		v.Status, v.StatusLabel = "none", "未受信"
	case age <= sensorFreshWithin:
		v.Status, v.StatusLabel = "ok", "受信中"
	case age < sensorFaultAfter:
		v.Status, v.StatusLabel = "late", "遅延"
	default:
		v.Status, v.StatusLabel = "fault", "停止"
	}
	// The store counts usage per UTC calendar month; a count for an older
	// month means nothing has arrived yet this month.
	month := now.UTC()
	v.UsageMonth = month.Format("2006年1月")
	if sn.Month == month.Format("2006-01") {
		v.UsageBytes = sn.MonthBytes
	}
	v.UsagePct = percent(v.UsageBytes, v.BudgetBytes)
	v.LTE = lteCard(sn.Modem, now.In(s.loc))
	if h := sn.Health; h != nil {
		v.MemPct = percent(h.MemUsedBytes, h.MemTotalBytes)
		v.DiskPct = percent(h.DiskUsedBytes, h.DiskTotalBytes)
	}
	return v
}
