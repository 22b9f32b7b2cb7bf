package portal

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"mimamori/cloud/store"
	"mimamori/edge/intel"
)

// csvMaxRows bounds one export. C2 stops a tenant at 1,500 devices per
// sensor and nine sensors at most, so this is far above any real tenant.
const csvMaxRows = 100_000

// csvBatch is how many devices one store call fetches during an export.
const csvBatch = 1000

// utf8BOM makes Excel read the file as UTF-8 rather than Shift_JIS.
const utf8BOM = "\xEF\xBB\xBF"

var csvHeader = []string{
	"IPアドレス", "MACアドレス", "ホスト名", "DHCPベンダー", "VLAN",
	"初回検知", "最終検知",
	"送信パケット数", "送信バイト数", "受信パケット数", "受信バイト数",
	"センサー",
	"ベンダー", "OS", "OS信頼度", "役割", "重要度", "サポート状況",
}

// devicesCSV exports the device list (V1-1), filtered by the same search
// as the page.
func (s *Server) devicesCSV(w http.ResponseWriter, r *http.Request, sess *session) {
	q, err := parseSearch(r.URL.Query(), "q")
	if err != nil {
		s.renderError(w, r, http.StatusBadRequest, "ダウンロードできませんでした", paramMessage(err))
		return
	}
	// Collect everything before writing, so a store error is a clean 500
	// and never a truncated file that looks complete.
	var all []store.Device
	for len(all) < csvMaxRows {
		devs, err := s.store.Devices(r.Context(), sess.Tenant, store.DeviceQuery{Search: q, Limit: csvBatch, Offset: len(all)})
		if err != nil {
			s.log.Error("devices csv", "tenant", sess.Tenant, "err", err)
			s.serverError(w, r, pageRoute)
			return
		}
		all = append(all, devs...)
		if len(devs) < csvBatch {
			break
		}
	}
	if len(all) > csvMaxRows {
		all = all[:csvMaxRows]
	}

	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true // what Excel writes and expects
	cw.Write(csvHeader)
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.log.Error("devices csv inventory", "tenant", sess.Tenant, "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	ts := s.formatTime(displayTime)
	for _, d := range all {
		// What inference made of the device; empty until it knows it.
		inferred := make([]string, 6)
		if x, ok := inv.Device(d.MAC); ok {
			inferred = []string{csvText(x.Vendor), csvText(x.OS.Name), strconv.Itoa(x.OS.Confidence),
				x.Role.Japanese(), strconv.FormatFloat(x.Importance, 'f', 1, 64), intel.EOLJapanese(x.EOL.State)}
		}
		ips := make([]string, len(d.IPs))
		for i, ip := range d.IPs {
			ips[i] = ip.String()
		}
		cw.Write([]string{
			strings.Join(ips, " "),
			d.MAC,
			csvText(d.Hostname),
			csvText(d.DHCPVendor),
			vlanText(d.VLAN),
			ts(d.FirstSeen),
			ts(d.LastSeen),
			strconv.FormatUint(d.SentPackets, 10),
			strconv.FormatUint(d.SentBytes, 10),
			strconv.FormatUint(d.RecvPackets, 10),
			strconv.FormatUint(d.RecvBytes, 10),
			csvText(strings.Join(d.Sensors, " ")),
			inferred[0], inferred[1], inferred[2], inferred[3], inferred[4], inferred[5],
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.Error("devices csv", "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	name := "devices-" + s.now().In(s.loc).Format("20060102-1504") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(buf.Bytes())
}

// csvText neutralises a cell a spreadsheet would run as a formula. Host
// names and vendor strings come from DHCP packets on the factory network,
// so anyone on that network can choose them.
func csvText(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func vlanText(v uint16) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(int(v))
}
