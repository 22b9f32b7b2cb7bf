package status

import (
	"strings"
	"testing"
	"time"

	"mimamori/modem"
)

func TestHealthyIsAllGreen(t *testing.T) {
	r := Evaluate(healthy(), Options{})
	if r.Overall != OK || r.LED != (Pattern{Color: Green}) {
		for _, s := range r.Sections {
			for _, l := range s.Lines {
				if l.Verdict != OK && l.Verdict != Info {
					t.Errorf("line %s is %s: %s", l.ID, l.Verdict, l.Value.EN)
				}
			}
		}
		t.Fatalf("overall %s, LED %+v", r.Overall, r.LED)
	}
	want := map[string]string{
		"capture.eth1":     "link up · 1,234\u00a0packets/s · 0\u00a0dropped",
		"lte.signal":       "4 of 5 bars (-73 dBm)",
		"lte.registration": "registered · NTT DOCOMO (LTE)",
		"lte.usage":        "1.2 GB of 10 GB (12%) · today 45 MB",
		"cloud.last":       "20 s ago · #4242",
		"system.clock":     "synchronized (±12ms)",
	}
	for id, v := range want {
		l, ok := find(r, id)
		if !ok || l.Value.EN != v {
			t.Errorf("%s = %q, want %q", id, l.Value.EN, v)
		}
	}
	if _, ok := find(r, "lte.history"); ok {
		t.Error("a modem without transitions shows a history")
	}
	if l, _ := find(r, "capture.eth1"); l.Value.JA != "リンク接続 · 1,234\u00a0パケット/秒 · 取りこぼし\u00a00" {
		t.Errorf("Japanese capture line %q", l.Value.JA)
	}
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Snapshot)
		line    string
		verdict Verdict
		overall Verdict
		hint    string // part of the English hint
	}{
		{"no mirrored traffic", func(s *Snapshot) { s.Captures[0].Packets = 0 }, "capture.eth1", Warn, Warn, "port mirroring"},
		{"cable out", func(s *Snapshot) { s.Captures[0].Link = "down" }, "capture.eth1", Fault, Fault, "LAN cable"},
		{"drops", func(s *Snapshot) { s.Captures[0].Drops = 12 }, "capture.eth1", Warn, Warn, "narrow"},
		{"first minute, just started", func(s *Snapshot) {
			s.StartedAt = s.Now.Add(-30 * time.Second)
			s.Captures[0] = Capture{Name: "eth1", Live: true, Link: "up"}
		}, "capture.eth1", Pending, Pending, ""},
		{"no minute after a long time", func(s *Snapshot) { s.Captures[0] = Capture{Name: "eth1", Live: true, Link: "up"} }, "capture.eth1", Warn, Warn, "stalled"},
		{"counting stalled", func(s *Snapshot) { s.Captures[0].LastSealed = s.Now.Add(-10 * time.Minute) }, "capture.eth1", Warn, Warn, "stalled"},
		{"replayed file", func(s *Snapshot) { s.Captures[0].Live, s.Captures[0].Link = false, "" }, "capture.eth1", OK, OK, ""},
		{"port cannot be opened", func(s *Snapshot) {
			s.Captures[0] = Capture{Name: "eth1", Live: true, OpenError: "capture: no such interface eth1"}
		}, "capture.eth1", Fault, Fault, "no such interface eth1"},
		{"file cannot be opened", func(s *Snapshot) {
			s.Captures[0] = Capture{Name: "eth1", OpenError: "capture: open /x.pcap: permission denied"}
		}, "capture.eth1", Fault, Fault, "The file to replay"},
		{"no capture at all", func(s *Snapshot) { s.Captures = nil }, "capture", Fault, Fault, "configuration"},
		{"weak signal", func(s *Snapshot) { s.Modem.Signal = modem.Signal{Valid: true, RSSIdBm: -93, Bars: 2} }, "lte.signal", Warn, Warn, "extension cable"},
		{"very weak signal", func(s *Snapshot) { s.Modem.Signal = modem.Signal{Valid: true, RSSIdBm: -109, Bars: 1} }, "lte.signal", Warn, Warn, "Move the dongle"},
		{"usage at 85%", func(s *Snapshot) { s.Modem.Usage.MonthRx = 8_500_000_000; s.Modem.Usage.MonthTx = 0 }, "lte.usage", Warn, Warn, "Close to"},
		{"usage over quota", func(s *Snapshot) { s.Modem.Usage.MonthRx = 10_000_000_001 }, "lte.usage", Fault, Fault, "used up"},
		{"no SIM", func(s *Snapshot) {
			modemDown(s, modem.StateNoSIM, modem.ReasonSIMAbsent, 10*time.Second)
			s.Modem.SIM = modem.SIMAbsent
		}, "lte.state", Fault, Fault, "Insert the supplied SIM"},
		{"dongle just plugged in", func(s *Snapshot) { modemDown(s, modem.StateInitializing, modem.ReasonOpened, 10*time.Second) }, "lte.state", Pending, Pending, ""},
		{"searching a while", func(s *Snapshot) { modemDown(s, modem.StateSearching, modem.ReasonSearching, 5*time.Minute) }, "lte.state", Warn, Warn, "extension cable"},
		{"no signal a while", func(s *Snapshot) { modemDown(s, modem.StateSearching, modem.ReasonNoSignal, 5*time.Minute) }, "lte.state", Fault, Fault, "window"},
		{"no dongle a while", func(s *Snapshot) { modemDown(s, modem.StateNoModem, modem.ReasonNoPort, 5*time.Minute) }, "lte.state", Fault, Fault, "Plug the USB dongle"},
		{"denied", func(s *Snapshot) { modemDown(s, modem.StateDenied, modem.ReasonDenied, time.Second) }, "lte.state", Fault, Fault, "contract"},
		{"no modem manager", func(s *Snapshot) { s.Modem = nil }, "lte", Info, OK, ""},
		{"cloud down, LTE up", func(s *Snapshot) { s.Cloud.Connected = false }, "cloud.mqtt", Fault, Fault, "support desk"},
		{"cloud down with a reason", func(s *Snapshot) {
			s.Cloud.Connected, s.Cloud.ConnectError = false, "dial tcp 192.0.2.10:8883: connect: connection refused"
		}, "cloud.mqtt", Fault, Fault, "Cannot reach the cloud (dial tcp 192.0.2.10:8883: connect: connection refused)"},
		{"certificate not trusted", func(s *Snapshot) {
			s.StartedAt = s.Now.Add(-10 * time.Second) // a fault from the start: retrying will not mend it
			s.Cloud.Connected, s.Cloud.ConnectError = false, "tls: failed to verify certificate: x509: certificate signed by unknown authority"
		}, "cloud.mqtt", Fault, Fault, "--broker-ca"},
		{"credentials refused", func(s *Snapshot) {
			s.Cloud.Connected, s.Cloud.Refused, s.Cloud.ConnectError = false, true, "not Authorized"
		}, "cloud.mqtt", Fault, Fault, "refused the sensor's credentials"},
		{"credentials refused, just started", func(s *Snapshot) {
			s.StartedAt = s.Now.Add(-10 * time.Second)
			s.Cloud.Connected, s.Cloud.Refused = false, true
		}, "cloud.mqtt", Fault, Fault, "Check the tenant, sensor id and password"},
		{"cloud down, LTE just lost", func(s *Snapshot) {
			s.Cloud.Connected = false
			modemDown(s, modem.StateSearching, modem.ReasonRegLost, time.Minute)
		}, "cloud.mqtt", Pending, Pending, ""},
		{"upload late", func(s *Snapshot) { s.Cloud.LastSent = s.Now.Add(-5 * time.Minute) }, "cloud.last", Warn, Warn, ""},
		{"certificate valid", func(s *Snapshot) { s.Cloud.CertExpires = s.Now.Add(200 * 24 * time.Hour) }, "cloud.cert", OK, OK, ""},
		{"certificate expiring", func(s *Snapshot) { s.Cloud.CertExpires = s.Now.Add(10 * 24 * time.Hour) }, "cloud.cert", Warn, Warn, "renew it"},
		{"certificate expired", func(s *Snapshot) {
			s.Cloud.Connected, s.Cloud.CertExpires = false, s.Now.Add(-time.Hour)
		}, "cloud.cert", Fault, Fault, "has expired"},
		{"upload very late", func(s *Snapshot) { s.Cloud.LastSent = s.Now.Add(-time.Hour) }, "cloud.last", Fault, Fault, ""},
		{"backlog", func(s *Snapshot) { s.Cloud.Backlog = 12 }, "cloud.backlog", Warn, Warn, "in order"},
		{"spool cannot be written", func(s *Snapshot) {
			s.Cloud.SpoolError, s.Cloud.Unspooled = "spool: write batch 7: no space left on device", 3
		}, "cloud.backlog", Fault, Fault, "no space left on device"},
		{"batches lost to the spool", func(s *Snapshot) { s.Cloud.SpoolLost = 2 }, "cloud.backlog", Warn, Warn, "2 batches were lost"},
		{"spool dropped data", func(s *Snapshot) { s.Cloud.DroppedOld = 3 }, "cloud.backlog", Warn, Warn, "3 oldest"},
		{"batches too large to send", func(s *Snapshot) { s.Cloud.Oversize = 1 }, "cloud.backlog", Warn, Warn, "dropped unsent: 1"},
		{"clock not synchronized", func(s *Snapshot) { s.Clock.Synced = false }, "system.clock", Warn, Warn, "wrong clock"},
		{"disk nearly full", func(s *Snapshot) { s.Host.DiskUsed = 62_000_000_000 }, "system.disk", Fault, Fault, ""},
		{"hot", func(s *Snapshot) { s.Host.TemperatureC = 79 }, "system.temperature", Warn, Warn, "ventilation"},
		{"no thermal sensor", func(s *Snapshot) { s.Host.TemperatureC = 0 }, "system.temperature", Info, OK, ""},
		{"actor restarted", func(s *Snapshot) {
			s.Services[2].Restarts, s.Services[2].LastFailure = 2, s.Now.Add(-time.Minute)
		}, "system.services", Warn, Warn, ""},
		{"actor stopped", func(s *Snapshot) { s.Services[2].Alive = false }, "system.services", Fault, Fault, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := healthy()
			tt.change(&s)
			r := Evaluate(s, Options{})
			l, ok := find(r, tt.line)
			if !ok {
				t.Fatalf("no line %s", tt.line)
			}
			if l.Verdict != tt.verdict {
				t.Errorf("%s verdict %s, want %s (value %q)", tt.line, l.Verdict, tt.verdict, l.Value.EN)
			}
			if r.Overall != tt.overall || r.LED != PatternFor(tt.overall) {
				t.Errorf("overall %s LED %+v, want %s", r.Overall, r.LED, tt.overall)
			}
			if !strings.Contains(l.Hint.EN, tt.hint) {
				t.Errorf("hint %q lacks %q", l.Hint.EN, tt.hint)
			}
			if (l.Hint.JA == "") != (l.Hint.EN == "") || (l.Value.JA == "") != (l.Value.EN == "") {
				t.Errorf("a language is missing: %+v", l)
			}
		})
	}
}

// modemDown puts the fixture's modem into a state it entered ago.
func modemDown(s *Snapshot, st modem.State, r modem.Reason, ago time.Duration) {
	m := s.Modem
	m.State, m.Reason, m.Since, m.DownSince, m.OnlineSince, m.IP = st, r, s.Now.Add(-ago), s.Now.Add(-ago), time.Time{}, ""
	if st != modem.StateOnline {
		m.Registration = modem.RegSearching
		if r == modem.ReasonNoSignal {
			m.Signal = modem.Signal{}
		}
		if st == modem.StateDenied {
			m.Registration = modem.RegDenied
		}
		if st == modem.StateNoModem || st == modem.StateNoSIM {
			m.Registration, m.Signal, m.Operator = modem.RegUnknown, modem.Signal{}, ""
		}
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 1_234_567: "1.2 MB", 10_000_000_000: "10 GB", 123_000_000_000: "123 GB"} {
		if got := bytesText(n); got != want {
			t.Errorf("bytesText(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]Text{
		12 * time.Second:              tx("12秒", "12 s"),
		3*time.Minute + 4*time.Second: tx("3分4秒", "3 min 4 s"),
		3*time.Hour + 12*time.Minute:  tx("3時間12分", "3 h 12 min"),
		50*time.Hour + 10*time.Minute: tx("2日2時間", "2 d 2 h"),
		-time.Second:                  tx("0秒", "0 s"),
	} {
		if got := span(d); got != want {
			t.Errorf("span(%s) = %+v, want %+v", d, got, want)
		}
	}
}

func TestEveryReasonIsWorded(t *testing.T) {
	reasons := []modem.Reason{modem.ReasonStarting, modem.ReasonNoPort, modem.ReasonNoATPort, modem.ReasonPortGone,
		modem.ReasonOpened, modem.ReasonNoAnswer, modem.ReasonSIMAbsent, modem.ReasonSIMFailure, modem.ReasonPINRequired,
		modem.ReasonPINRejected, modem.ReasonPUKRequired, modem.ReasonSearching, modem.ReasonNoSignal, modem.ReasonDenied,
		modem.ReasonRegTimeout, modem.ReasonRegistered, modem.ReasonDataFailed, modem.ReasonDataLost, modem.ReasonRegLost,
		modem.ReasonModemRestarted, modem.ReasonOnline, modem.ReasonReinit, modem.ReasonRadioReset, modem.ReasonUSBReset}
	for _, r := range reasons {
		if txt := reasonText(r); txt.JA == string(r) || txt.EN == string(r) {
			t.Errorf("reason %s has no wording", r)
		}
	}
	states := []modem.State{modem.StateStarting, modem.StateNoModem, modem.StateInitializing, modem.StateNoSIM,
		modem.StateSIMLocked, modem.StateSearching, modem.StateDenied, modem.StateConnecting, modem.StateOnline,
		modem.StateRecovering, modem.StateUnresponsive}
	for _, s := range states {
		if txt := stateText(s); txt.JA == string(s) {
			t.Errorf("state %s has no wording", s)
		}
	}
}

func TestModemHistoryLine(t *testing.T) {
	s := healthy()
	at := s.Now.Add(-time.Minute)
	s.Modem.Transitions = []modem.Transition{
		{At: at, From: modem.StateStarting, To: modem.StateInitializing, Reason: modem.ReasonOpened},
		{At: at.Add(time.Second), To: modem.StateSearching, Reason: modem.ReasonNoSignal},
		{At: at.Add(2 * time.Second), To: modem.StateConnecting, Reason: modem.ReasonRegistered},
		{At: at.Add(3 * time.Second), To: modem.StateOnline, Reason: modem.ReasonOnline},
	}
	l, ok := find(Evaluate(s, Options{}), "lte.history")
	if !ok || l.Verdict != Info {
		t.Fatalf("history line %+v", l)
	}
	want := "10:29:03 LTE data is up / 10:29:02 registered; starting the data session / 10:29:01 no signal"
	if l.Value.EN != want {
		t.Errorf("history %q, want %q", l.Value.EN, want)
	}
}

// TestCloudLinkEncryption: the cloud line says whether the link is
// encrypted.
func TestCloudLinkEncryption(t *testing.T) {
	for _, tc := range []struct {
		tls  bool
		want string
	}{{true, "connected (TLS)"}, {false, "connected (not encrypted)"}} {
		s := healthy()
		s.Cloud.TLS = tc.tls
		r := Evaluate(s, Options{})
		l, ok := find(r, "cloud.mqtt")
		if !ok || l.Value.EN != tc.want || l.Verdict != OK {
			t.Errorf("TLS %v: %+v, want %q and OK", tc.tls, l, tc.want)
		}
		if _, ok := find(r, "cloud.cert"); ok {
			t.Error("a certificate line for a sensor without a certificate")
		}
	}
}
