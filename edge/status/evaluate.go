package status

import (
	"fmt"
	"strings"
	"time"

	"mimamori/edge/wire"
	"mimamori/modem"
)

// Verdict is one line's judgement, from best to worst.
type Verdict string

const (
	Info    Verdict = "info"    // a fact, nothing to judge
	OK      Verdict = "ok"      // green
	Pending Verdict = "pending" // still coming up: green, blinking
	Warn    Verdict = "warn"    // works, but look at this: amber
	Fault   Verdict = "fault"   // needs action: red
)

func (v Verdict) rank() int {
	switch v {
	case OK:
		return 1
	case Pending:
		return 2
	case Warn:
		return 3
	case Fault:
		return 4
	}
	return 0
}

// worse returns the worse of two verdicts.
func worse(a, b Verdict) Verdict {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Line is one row of the page.
type Line struct {
	ID      string  `json:"id"`
	Label   Text    `json:"label"`
	Value   Text    `json:"value"`
	Hint    Text    `json:"hint"`
	Verdict Verdict `json:"verdict"`
	// Bars draws a signal meter (0..5) next to the value; -1 for none.
	Bars int `json:"bars"`
}

// Section groups lines under a heading.
type Section struct {
	ID    string `json:"id"`
	Title Text   `json:"title"`
	Lines []Line `json:"lines"`
}

// Report is the judged snapshot.
type Report struct {
	Generated time.Time `json:"generated"`
	Sensor    string    `json:"sensor"`
	Overall   Verdict   `json:"overall"`
	Summary   Text      `json:"summary"`
	LED       Pattern   `json:"led"`
	Sections  []Section `json:"sections"`
}

// Options tune the judgement.
type Options struct {
	// Grace is how long after start (or after the LTE link went down)
	// things still coming up count as pending rather than failing.
	// Default 3 min, about what a dongle needs from power-on to data.
	Grace time.Duration
}

func (o Options) withDefaults() Options {
	if o.Grace <= 0 {
		o.Grace = 3 * time.Minute
	}
	return o
}

// Evaluate judges a snapshot, line by line.
func Evaluate(s Snapshot, opts Options) Report {
	opts = opts.withDefaults()
	e := evaluator{s: s, opts: opts, up: s.Now.Sub(s.StartedAt)}
	r := Report{Generated: s.Now, Sensor: s.Sensor}
	r.Sections = []Section{
		{ID: "power", Title: tx("電源・稼働", "Power"), Lines: e.power()},
		{ID: "capture", Title: tx("ミラーポート受信", "Mirrored traffic"), Lines: e.captures()},
		{ID: "lte", Title: tx("LTE回線", "LTE"), Lines: e.lte()},
		{ID: "cloud", Title: tx("クラウド接続", "Cloud"), Lines: e.cloud()},
		{ID: "system", Title: tx("センサー本体", "Sensor"), Lines: e.system()},
	}
	r.Overall = OK
	for _, sec := range r.Sections {
		for _, l := range sec.Lines {
			r.Overall = worse(r.Overall, l.Verdict)
		}
	}
	r.Summary = summary(r.Overall)
	r.LED = PatternFor(r.Overall)
	return r
}

func summary(v Verdict) Text {
	switch v {
	case Fault:
		return tx("対処が必要な項目があります（赤）", "Something needs action (red)")
	case Warn:
		return tx("動作中ですが、確認が必要な項目があります（橙）", "Working, but check the amber items")
	case Pending:
		return tx("接続中です。緑の点灯になるまでお待ちください", "Connecting. Wait until the LED is solid green")
	}
	return tx("すべて正常です", "Everything is working")
}

type evaluator struct {
	s    Snapshot
	opts Options
	up   time.Duration // since the sensor process started
}

// starting reports whether the sensor is young enough for pending.
func (e evaluator) starting() bool { return e.up < e.opts.Grace }

func line(id string, label Text, v Verdict, value Text) Line {
	return Line{ID: id, Label: label, Verdict: v, Value: value, Bars: -1}
}

func (e evaluator) power() []Line {
	v := tx("入", "on")
	if e.s.Host.Known {
		v = join(" · ", v, join("", tx("起動から", "up "), span(time.Duration(e.s.Host.UptimeSeconds)*time.Second)))
	}
	l := line("power", tx("電源", "Power"), OK, v)
	run := line("power.software", tx("監視ソフトウェア", "Monitoring software"), OK,
		join("", tx("稼働中 · 開始から", "running for "), span(e.up)))
	return []Line{l, run}
}

func (e evaluator) captures() []Line {
	if len(e.s.Captures) == 0 {
		l := line("capture", tx("受信ポート", "Capture"), Fault, tx("設定されていません", "none configured"))
		l.Hint = tx("センサーの設定を確認してください。", "Check the sensor's configuration.")
		return []Line{l}
	}
	var out []Line
	for _, c := range e.s.Captures {
		out = append(out, e.capture(c))
	}
	return out
}

func (e evaluator) capture(c Capture) Line {
	l := line("capture."+c.Name, tx("受信ポート "+c.Name, "Port "+c.Name), OK, Text{})
	var link Text
	switch {
	case !c.Live:
		link = tx("再生", "replay")
	case c.Link == "up":
		link = tx("リンク接続", "link up")
	case c.Link == "down" || c.Link == "lowerlayerdown" || c.Link == "notpresent":
		link = tx("リンク切断", "link down")
	default:
		link = tx("リンク不明", "link unknown")
	}
	if c.Minutes == 0 {
		l.Value = join(" · ", link, tx("最初の1分間を集計中", "counting the first minute"))
	} else {
		pps := float64(c.Packets) / 60
		l.Value = join(" · ", link,
			tx(fmt.Sprintf("%s\u00a0パケット/秒", count(uint64(pps+0.5))), fmt.Sprintf("%s\u00a0packets/s", count(uint64(pps+0.5)))),
			tx(fmt.Sprintf("取りこぼし\u00a0%s", count(c.Drops)), fmt.Sprintf("%s\u00a0dropped", count(c.Drops))))
	}
	stale := !c.LastSealed.IsZero() && e.s.Now.Sub(c.LastSealed) > 3*time.Minute
	switch {
	case c.OpenError != "":
		l.Verdict = Fault
		l.Value = join(" · ", link, tx("開けません", "cannot be opened"))
		if c.Live {
			l.Hint = tx("受信ポートを開けません（"+c.OpenError+"）。インターフェース名と、センサーの実行権限（root または CAP_NET_RAW）を確認してください。自動で再試行しています。",
				"The port cannot be opened ("+c.OpenError+"). Check the interface name and that the sensor runs as root or with CAP_NET_RAW; it is retried automatically.")
		} else {
			l.Hint = tx("再生するファイルを開けません（"+c.OpenError+"）。", "The file to replay cannot be opened ("+c.OpenError+").")
		}
	case c.Live && link.EN == "link down":
		l.Verdict = Fault
		l.Hint = tx("LANケーブルが抜けているか、スイッチ側のポートが無効です。ケーブルとスイッチのミラーポートを確認してください。",
			"No link: check the LAN cable and that the switch's mirror port is enabled.")
	case c.Minutes == 0 && e.starting():
		l.Verdict = Pending
	case c.Minutes == 0 || stale:
		l.Verdict = Warn
		l.Hint = tx("受信データの集計が止まっています。自動で再開を試みています。",
			"Counting has stalled; the sensor is restarting it.")
	case c.Packets == 0:
		l.Verdict = Warn
		l.Hint = tx("ミラーされた通信が届いていません。スイッチのミラーリング設定（ミラー元ポートと方向）と、ケーブルがミラーポートに挿さっているかを確認してください。",
			"No mirrored traffic arrives. Check the switch's port mirroring (source ports, direction) and that the cable is in the mirror port.")
	case c.Drops > 0:
		l.Verdict = Warn
		l.Hint = tx("受信量が処理能力を超え、取りこぼしが出ています。ミラー対象のポートやVLANを絞ってください。",
			"More traffic than the sensor can take: narrow the mirrored ports or VLANs.")
	case c.Live && link.EN != "link up":
		l.Verdict = Warn
	}
	return l
}

// modemDown is how long the LTE link has been down.
func (e evaluator) modemDown(m *ModemInfo) time.Duration {
	if m.DownSince.IsZero() {
		return 0
	}
	return e.s.Now.Sub(m.DownSince)
}

func (e evaluator) lte() []Line {
	m := e.s.Modem
	if m == nil {
		return []Line{line("lte", tx("LTE", "LTE"), Info, tx("使用しない設定です", "not used on this sensor"))}
	}
	young := e.modemDown(m) < e.opts.Grace
	transient := Pending
	if !young {
		transient = Warn
	}
	var out []Line

	// The reason says more than the state name ("no SIM card in the
	// dongle" rather than "no SIM"); the state name only adds to it when
	// recovering or connecting.
	st := line("lte.state", tx("状態", "Status"), OK, reasonText(m.Reason))
	switch m.State {
	case modem.StateOnline:
		st.Value = join(" · ", stateText(m.State), join("", tx("接続から", "for "), span(e.s.Now.Sub(m.OnlineSince))))
	case modem.StateNoSIM, modem.StateSIMLocked, modem.StateDenied:
		st.Verdict = Fault
	case modem.StateNoModem, modem.StateUnresponsive:
		st.Verdict = Pending
		if !young {
			st.Verdict = Fault
		}
	case modem.StateSearching:
		st.Verdict = transient
		if m.Reason == modem.ReasonNoSignal && !young {
			st.Verdict = Fault
		}
	case modem.StateConnecting:
		st.Verdict = transient
		if m.Reason == modem.ReasonDataFailed && !young {
			st.Verdict = Fault
		}
	default:
		st.Verdict = transient
	}
	if st.Verdict != OK {
		st.Hint = reasonHint(m.Reason)
	}
	out = append(out, st)

	sim := line("lte.sim", tx("SIMカード", "SIM card"), OK, Text{})
	switch m.SIM {
	case modem.SIMReady:
		sim.Value = tx("挿入済み", "inserted")
		if m.ICCID != "" {
			sim.Value = join(" · ", sim.Value, same("ICCID\u00a0"+m.ICCID))
		}
	case modem.SIMAbsent:
		sim.Verdict, sim.Value = Fault, tx("未挿入", "not inserted")
	case modem.SIMPIN:
		sim.Verdict, sim.Value = Fault, tx("PINロック", "PIN locked")
	case modem.SIMPUK:
		sim.Verdict, sim.Value = Fault, tx("PUKロック", "PUK locked")
	case modem.SIMFailure:
		sim.Verdict, sim.Value = Fault, tx("読み取れません", "unreadable")
	default:
		sim.Verdict, sim.Value = transient, tx("確認中", "checking")
		if m.State == modem.StateNoModem || m.State == modem.StateUnresponsive {
			sim.Verdict, sim.Value = Info, tx("—", "—")
		}
	}
	out = append(out, sim)

	sig := line("lte.signal", tx("電波", "Signal"), OK, Text{})
	sig.Bars = m.Signal.Bars
	switch {
	case !m.Signal.Valid:
		sig.Value = tx("圏外・不明", "none or unknown")
		sig.Verdict = transient
		if m.State == modem.StateOnline || m.Reason == modem.ReasonNoSignal && !young {
			sig.Verdict = Fault
		}
		if m.State == modem.StateNoModem || m.State == modem.StateNoSIM || m.State == modem.StateSIMLocked {
			sig.Verdict = Info
		}
	default:
		dbm := fmt.Sprintf("%d dBm", m.Signal.RSSIdBm)
		if m.Signal.RSRPdBm != 0 {
			dbm = fmt.Sprintf("RSRP %d dBm", m.Signal.RSRPdBm)
		}
		sig.Value = tx(fmt.Sprintf("%d / 5 本 (%s)", m.Signal.Bars, dbm), fmt.Sprintf("%d of 5 bars (%s)", m.Signal.Bars, dbm))
		switch {
		case m.Signal.Bars >= 3:
		case m.Signal.Bars == 2:
			sig.Verdict = Warn
			sig.Hint = tx("電波が弱めです。USB延長ケーブルでドングルを窓際や高い場所に移すと安定します。",
				"Weak signal: a USB extension cable and a spot near a window or higher up will help.")
		default:
			sig.Verdict = Warn
			sig.Hint = tx("電波がとても弱く、送信が遅れることがあります。ドングルの位置を変えてください。",
				"Very weak signal; uploads may lag. Move the dongle.")
		}
	}
	out = append(out, sig)

	reg := line("lte.registration", tx("ネットワーク", "Network"), OK, Text{})
	switch m.Registration {
	case modem.RegHome:
		reg.Value = tx("登録済み", "registered")
	case modem.RegRoaming:
		reg.Value = tx("登録済み（ローミング）", "registered (roaming)")
	case modem.RegDenied:
		reg.Verdict, reg.Value = Fault, tx("拒否されました", "denied")
	case modem.RegSearching:
		reg.Verdict, reg.Value = transient, tx("検索中", "searching")
	default:
		reg.Verdict, reg.Value = transient, tx("未登録", "not registered")
		if m.State == modem.StateNoModem || m.State == modem.StateNoSIM || m.State == modem.StateSIMLocked || m.State == modem.StateUnresponsive {
			reg.Verdict, reg.Value = Info, tx("—", "—")
		}
	}
	if m.Operator != "" {
		op := m.Operator
		if m.Technology != "" {
			op += " (" + m.Technology + ")"
		}
		reg.Value = join(" · ", reg.Value, same(op))
	}
	out = append(out, reg)

	ip := line("lte.ip", tx("IPアドレス", "IP address"), OK, same(m.IP))
	if m.IP == "" {
		ip.Value, ip.Verdict = tx("—", "—"), Info
	}
	if m.APN != "" {
		ip.Value = join(" · ", ip.Value, same("APN "+m.APN))
	}
	out = append(out, ip)

	out = append(out, e.usage(m))

	// The last changes and their reasons, newest first, so the
	// technician sees what the dongle went through.
	if n := len(m.Transitions); n > 0 {
		var hist []Text
		for i := n - 1; i >= 0 && i >= n-3; i-- {
			tr := m.Transitions[i]
			at := tr.At.In(e.s.Now.Location()).Format("15:04:05")
			r := reasonText(tr.Reason)
			hist = append(hist, tx(at+" "+r.JA, at+" "+r.EN))
		}
		out = append(out, line("lte.history", tx("最近の変化", "Recent changes"), Info, join(" / ", hist...)))
	}

	dev := line("lte.device", tx("USBドングル", "USB dongle"), Info, tx("—", "—"))
	if m.Model != "" {
		d := m.Manufacturer + " " + m.Model
		if m.IMEI != "" {
			d += " · IMEI\u00a0" + m.IMEI
		}
		dev.Value = same(d)
	}
	out = append(out, dev)
	return out
}

func (e evaluator) usage(m *ModemInfo) Line {
	l := line("lte.usage", tx("今月のデータ量", "Data this month"), Info, tx("—", "—"))
	if !m.UsageKnown {
		return l
	}
	u := m.Usage
	total := u.MonthRx + u.MonthTx
	quota := m.QuotaBytes
	if quota == 0 {
		quota = QuotaBytes
	}
	pct := float64(total) * 100 / float64(quota)
	today := u.DayRx + u.DayTx
	l.Value = tx(
		fmt.Sprintf("%s / %s (%.0f%%) · 今日 %s", bytesText(total), bytesText(quota), pct, bytesText(today)),
		fmt.Sprintf("%s of %s (%.0f%%) · today %s", bytesText(total), bytesText(quota), pct, bytesText(today)))
	l.Verdict = OK
	switch {
	case total >= quota:
		l.Verdict = Fault
		l.Hint = tx("今月の上限を超えました。通信速度が制限され、データの一部が見られなくなることがあります。",
			"This month's allowance is used up: speed may be limited and some data may not reach the portal.")
	case pct >= 80:
		l.Verdict = Warn
		l.Hint = tx("今月の上限に近づいています。", "Close to this month's allowance.")
	}
	return l
}

func (e evaluator) cloud() []Line {
	c := e.s.Cloud
	lteDown := e.s.Modem != nil && e.s.Modem.State != modem.StateOnline
	conn := line("cloud.mqtt", tx("クラウド", "Cloud"), OK, tx("接続中 (TLS)", "connected (TLS)"))
	if !c.TLS {
		conn.Value = tx("接続中 (暗号化なし)", "connected (not encrypted)")
	}
	certificate := strings.Contains(c.ConnectError, "x509") || strings.Contains(c.ConnectError, "certificate")
	if !c.Connected {
		conn.Value = tx("未接続", "not connected")
		switch {
		case c.Refused:
			// Retrying will not mend it, so it is a fault from the start.
			conn.Value = tx("未接続 (認証エラー)", "not connected (credentials refused)")
			conn.Verdict = Fault
			conn.Hint = tx("クラウドがセンサーの認証情報を拒否しました。テナント、センサーIDとパスワードの設定を確認してください。直らない場合はサポートデスクへご連絡ください。",
				"The cloud refused the sensor's credentials. Check the tenant, sensor id and password settings. If this persists, contact the support desk.")
		case certificate:
			// Retrying will not mend it either, unless the clock is wrong.
			conn.Value = tx("未接続 (証明書エラー)", "not connected (certificate not trusted)")
			conn.Verdict = Fault
			conn.Hint = tx("クラウドの証明書を確認できません（"+c.ConnectError+"）。--broker-ca の CA 証明書と、センサーの時刻が正しいかを確認してください。",
				"The cloud's certificate cannot be verified ("+c.ConnectError+"). Check the CA certificate given with --broker-ca, and that the sensor's clock is right.")
		case e.starting() || (lteDown && e.modemDown(e.s.Modem) < e.opts.Grace):
			conn.Verdict = Pending
		case lteDown:
			conn.Verdict = Warn
			conn.Hint = tx("LTE回線がつながると自動で接続します。データはセンサー内に保存されています。",
				"Connects by itself once LTE is up; data is kept on the sensor meanwhile.")
		default:
			conn.Verdict = Fault
			conn.Hint = tx("クラウドに接続できません。データはセンサー内に保存されています。直らない場合はサポートデスクへご連絡ください。",
				"Cannot reach the cloud; data is kept on the sensor. If this persists, contact the support desk.")
			if c.ConnectError != "" {
				conn.Hint = tx("クラウドに接続できません（"+c.ConnectError+"）。データはセンサー内に保存されています。直らない場合はサポートデスクへご連絡ください。",
					"Cannot reach the cloud ("+c.ConnectError+"); data is kept on the sensor. If this persists, contact the support desk.")
			}
		}
	}
	last := line("cloud.last", tx("最終送信", "Last upload"), OK, Text{})
	if c.LastSent.IsZero() {
		last.Value = tx("まだ送信していません", "nothing sent yet")
		last.Verdict = Pending
		if !e.starting() {
			last.Verdict = Warn
		}
	} else {
		age := e.s.Now.Sub(c.LastSent)
		last.Value = join(" · ", ago(age), same(fmt.Sprintf("#%d", c.LastSeq)))
		switch {
		case age > 15*time.Minute:
			last.Verdict = Fault
		case age > 3*time.Minute:
			last.Verdict = Warn
		}
	}
	back := line("cloud.backlog", tx("送信待ち", "Waiting to send"), OK,
		tx(fmt.Sprintf("%d 件 (%s)", c.Backlog, bytesText(uint64(max(c.BacklogBytes, 0)))),
			fmt.Sprintf("%d batches (%s)", c.Backlog, bytesText(uint64(max(c.BacklogBytes, 0))))))
	switch {
	case c.SpoolError != "":
		back.Verdict = Fault
		back.Value = tx(fmt.Sprintf("保存できません · メモリで待機 %d 件", c.Unspooled),
			fmt.Sprintf("cannot be stored · %d waiting in memory", c.Unspooled))
		back.Hint = tx("センサーの記憶領域にデータを書き込めません（"+c.SpoolError+"）。空き容量かストレージの故障を確認してください。書き込めるようになれば、メモリで待機中のデータから保存して送信します。",
			"The sensor cannot write its data to its storage ("+c.SpoolError+"). Check free space or a failing disk; what waits in memory is stored and sent once it can be.")
	case c.SpoolLost > 0:
		back.Verdict = Warn
		back.Hint = tx(fmt.Sprintf("記憶領域に書き込めなかったため、データ %d 件を失いました。", c.SpoolLost),
			fmt.Sprintf("%d batches were lost while the storage could not be written.", c.SpoolLost))
	case c.Oversize > 0:
		back.Verdict = Warn
		back.Hint = tx(fmt.Sprintf("1件が送信できる上限 (%s) を超えたため、データ %d 件を送信せずに削除しました。", bytesText(wire.MaxPayload), c.Oversize),
			fmt.Sprintf("Batches larger than a batch may be (%s) were dropped unsent: %d.", bytesText(wire.MaxPayload), c.Oversize))
	case c.DroppedOld > 0:
		back.Verdict = Warn
		back.Hint = tx(fmt.Sprintf("保存容量を超えたため、古いデータ %d 件を削除しました。", c.DroppedOld),
			fmt.Sprintf("The store was full: %d oldest batches were dropped.", c.DroppedOld))
	case c.Backlog > 5:
		back.Verdict = Warn
		back.Hint = tx("回線が不通か遅いため、送信待ちが溜まっています。接続が戻れば順に送信します。",
			"The link is down or slow; the backlog is sent in order once it recovers.")
	}
	lines := []Line{conn, last, back}
	if !c.CertExpires.IsZero() {
		lines = append(lines, e.certificate(c.CertExpires))
	}
	return lines
}

// certificate is the line of the sensor's own certificate: a fault once it
// has expired (the cloud no longer lets the sensor in), a warning in the
// last 30 days.
func (e evaluator) certificate(expires time.Time) Line {
	date := expires.In(e.s.Now.Location()).Format("2006-01-02")
	l := line("cloud.cert", tx("センサー証明書", "Sensor certificate"), OK, tx("有効期限 "+date, "valid until "+date))
	switch left := expires.Sub(e.s.Now); {
	case left <= 0:
		l.Verdict = Fault
		l.Value = tx("期限切れ ("+date+")", "expired ("+date+")")
		l.Hint = tx("センサー証明書の有効期限が切れたため、クラウドに接続できません。新しい証明書を --cert-file と --key-file に設定してください。",
			"The sensor's certificate has expired, so the cloud does not let it in. Install a new one (--cert-file, --key-file).")
	case left < 30*24*time.Hour:
		days := int(left.Hours()/24) + 1
		l.Verdict = Warn
		l.Value = tx(fmt.Sprintf("あと %d 日で期限切れ (%s)", days, date), fmt.Sprintf("expires in %d days (%s)", days, date))
		l.Hint = tx("期限が切れるとクラウドに接続できなくなります。新しい証明書を用意してください。",
			"Once it expires the sensor cannot reach the cloud: renew it before then.")
	}
	return l
}

func (e evaluator) system() []Line {
	var out []Line
	clk := line("system.clock", tx("時刻同期", "Clock"), Info, tx("不明", "unknown"))
	if e.s.Clock.Known {
		if e.s.Clock.Synced {
			clk.Verdict = OK
			clk.Value = tx(fmt.Sprintf("同期済み (誤差 ±%s)", e.s.Clock.EstError.Round(time.Millisecond)),
				fmt.Sprintf("synchronized (±%s)", e.s.Clock.EstError.Round(time.Millisecond)))
		} else {
			clk.Verdict = Warn
			clk.Value = tx("未同期", "not synchronized")
			clk.Hint = tx("時刻がずれるとデータの時刻もずれます。LTE接続後、自動で同期されます。",
				"A wrong clock puts data at the wrong time. It synchronizes by itself once online.")
		}
	}
	out = append(out, clk)
	out = append(out, line("system.software", tx("ソフトウェア", "Software"), Info, same(e.s.Software)))
	sig := line("system.signatures", tx("シグネチャー", "Signatures"), Info, tx("未配信", "none yet"))
	if e.s.Signatures != "" {
		sig.Value = same(e.s.Signatures)
	}
	out = append(out, sig)

	h := e.s.Host
	if !h.Known {
		out = append(out, line("system.host", tx("CPU・メモリ・ディスク", "CPU, memory, disk"), Pending, tx("測定中", "measuring")))
	} else {
		cpu := line("system.cpu", tx("CPU", "CPU"), OK, same(fmt.Sprintf("%.0f%%", h.CPUPercent)))
		if h.CPUPercent >= 90 {
			cpu.Verdict = Warn
		}
		out = append(out, cpu, usageLine("system.memory", tx("メモリ", "Memory"), h.MemUsed, h.MemTotal, 90, 101),
			usageLine("system.disk", tx("ディスク", "Disk"), h.DiskUsed, h.DiskTotal, 85, 95))
		temp := line("system.temperature", tx("温度", "Temperature"), Info, tx("センサーなし", "no sensor"))
		if h.TemperatureC > 0 {
			temp.Value = same(fmt.Sprintf("%.0f°C", h.TemperatureC))
			switch {
			case h.TemperatureC >= 85:
				temp.Verdict = Fault
				temp.Hint = tx("高温です。通気を確保し、直射日光や熱源から離してください。",
					"Too hot: give it air and keep it away from sun and heat sources.")
			case h.TemperatureC >= 75:
				temp.Verdict = Warn
				temp.Hint = tx("温度が高めです。通気を確保してください。", "Running hot: check the ventilation.")
			default:
				temp.Verdict = OK
			}
		}
		out = append(out, temp)
	}
	out = append(out, e.services())
	return out
}

func usageLine(id string, label Text, used, total uint64, warnPct, faultPct float64) Line {
	l := line(id, label, OK, tx("—", "—"))
	if total == 0 {
		l.Verdict = Info
		return l
	}
	pct := float64(used) * 100 / float64(total)
	l.Value = same(fmt.Sprintf("%s / %s (%.0f%%)", bytesText(used), bytesText(total), pct))
	switch {
	case pct >= faultPct:
		l.Verdict = Fault
	case pct >= warnPct:
		l.Verdict = Warn
	}
	return l
}

// services judges the supervision tree: a stopped actor is a fault, one
// restarted within the last 10 minutes a warning.
func (e evaluator) services() Line {
	l := line("system.services", tx("内部処理", "Internal services"), OK, tx("正常", "all running"))
	var stopped, restarted []string
	for _, s := range e.s.Services {
		switch {
		case !s.Alive:
			stopped = append(stopped, s.Name)
		case s.Restarts > 0 && e.s.Now.Sub(s.LastFailure) < 10*time.Minute:
			restarted = append(restarted, fmt.Sprintf("%s (%d)", s.Name, s.Restarts))
		}
	}
	switch {
	case len(stopped) > 0:
		l.Verdict = Fault
		l.Value = tx(fmt.Sprintf("停止中: %v（自動で再開します）", stopped), fmt.Sprintf("stopped: %v (restarting by itself)", stopped))
	case len(restarted) > 0:
		l.Verdict = Warn
		l.Value = tx(fmt.Sprintf("再起動あり: %v", restarted), fmt.Sprintf("restarted: %v", restarted))
	}
	return l
}
