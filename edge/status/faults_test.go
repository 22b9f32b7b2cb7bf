package status

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimamori/modem"
	"mimamori/modem/modemtest"
)

// TestFaultScriptsEndInStateLEDAndText drives the real modem manager
// against each simulator script and checks what the technician sees: the
// modem state, the LED and the status line, in both languages.
func TestFaultScriptsEndInStateLEDAndText(t *testing.T) {
	const slow = 100 * time.Millisecond
	tests := []struct {
		name   string
		script modemtest.Script
		pin    string
		grace  time.Duration // 0: long past the grace period
		unplug bool          // pull the dongle once online
		until  func(modem.Status) bool
		led    Pattern
		en, ja string // in the LTE status line
	}{
		{name: "healthy generic", script: modemtest.Healthy("generic"), until: online, led: Pattern{Color: Green}, en: "online", ja: "接続済み"},
		{name: "healthy huawei", script: modemtest.Healthy("huawei"), until: online, led: Pattern{Color: Green}, en: "online", ja: "接続済み"},
		{name: "healthy quectel", script: modemtest.Healthy("quectel"), until: online, led: Pattern{Color: Green}, en: "online", ja: "接続済み"},
		{name: "no SIM", script: modemtest.NoSIM(), until: is(modem.StateNoSIM), led: Pattern{Color: Red},
			en: "no SIM card in the dongle", ja: "SIMカードが入っていません"},
		{name: "PIN required", script: modemtest.PINRequired(), until: is(modem.StateSIMLocked), led: Pattern{Color: Red},
			en: "asks for a PIN", ja: "PINロック"},
		{name: "PIN required and configured", script: modemtest.PINRequired(), pin: "1234", until: online, led: Pattern{Color: Green}, en: "online", ja: "接続済み"},
		{name: "no signal, just started", script: modemtest.NoSignal(), grace: time.Hour, until: reason(modem.ReasonNoSignal),
			led: Pattern{Color: Green, Blink: true}, en: "no signal", ja: "電波が届いていません"},
		{name: "no signal for long", script: modemtest.NoSignal(), until: reason(modem.ReasonNoSignal), led: Pattern{Color: Red},
			en: "no signal", ja: "電波が届いていません"},
		{name: "registration denied", script: modemtest.Denied(), until: is(modem.StateDenied), led: Pattern{Color: Red},
			en: "rejected the SIM", ja: "拒否されました"},
		{name: "garbage", script: modemtest.Garbage(), until: online, led: Pattern{Color: Green}, en: "online", ja: "接続済み"},
		{name: "split lines", script: modemtest.Split(), until: online, led: Pattern{Color: Green}, en: "online", ja: "接続済み"},
		{name: "slow answers", script: modemtest.Slow(slow), until: online, led: Pattern{Color: Green}, en: "online", ja: "接続済み"},
		{name: "hang", script: modemtest.Hang(), until: func(s modem.Status) bool {
			return s.Reason == modem.ReasonNoATPort || s.State == modem.StateUnresponsive
		}, led: Pattern{Color: Red}, en: "answer", ja: "応答し"},
		{name: "port disappears", script: modemtest.Healthy("quectel"), unplug: true, until: reason(modem.ReasonPortGone),
			led: Pattern{Color: Red}, en: "unplugged", ja: "外れました"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			link := filepath.Join(t.TempDir(), "modem")
			sim, err := modemtest.Start(tt.script, modemtest.WithLink(link))
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			m, err := modem.New(modem.Config{
				Device: link, PIN: tt.pin, APN: modem.APN{Name: "internet"},
				CommandTimeout: 300 * time.Millisecond, ConnectTimeout: time.Second, ProbeTimeout: 200 * time.Millisecond,
				ReadTimeout: 100 * time.Millisecond, WaitPoll: 50 * time.Millisecond, PollEvery: 100 * time.Millisecond,
				RegisterTimeout: 2 * time.Second, RadioOffFor: 20 * time.Millisecond,
				MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				for m.Run(ctx) != nil { // restarted as the supervisor would
				}
			}()
			defer func() { cancel(); <-done }()
			if tt.unplug {
				waitStatus(t, m, online)
				sim.Disappear()
			}
			st := waitStatus(t, m, tt.until)

			now := time.Now()
			snap := healthyAt(now)
			snap.Modem.Status = st
			grace := tt.grace
			if grace == 0 {
				grace = time.Nanosecond
			}
			r := Evaluate(snap, Options{Grace: grace})
			if r.LED != tt.led {
				var bad []string
				for _, sec := range r.Sections {
					for _, l := range sec.Lines {
						if l.Verdict != OK {
							bad = append(bad, l.ID+"="+l.Value.EN)
						}
					}
				}
				t.Errorf("LED %s, want %s (modem %s/%s; lines not OK: %v)", r.LED.Name().EN, tt.led.Name().EN, st.State, st.Reason, bad)
			}
			l, _ := find(r, "lte.state")
			if !strings.Contains(l.Value.EN, tt.en) || !strings.Contains(l.Value.JA, tt.ja) {
				t.Errorf("status line %q / %q, want %q / %q", l.Value.EN, l.Value.JA, tt.en, tt.ja)
			}
			if l.Verdict != OK && l.Hint.EN == "" {
				t.Errorf("a %s status line without a hint", l.Verdict)
			}
		})
	}
}

func online(s modem.Status) bool { return s.State == modem.StateOnline }

func is(st modem.State) func(modem.Status) bool {
	return func(s modem.Status) bool { return s.State == st }
}

func reason(r modem.Reason) func(modem.Status) bool {
	return func(s modem.Status) bool { return s.Reason == r }
}

func waitStatus(t *testing.T, m *modem.Manager, ok func(modem.Status) bool) modem.Status {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := m.Status()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("modem never got there; it is %s/%s (%s)", st.State, st.Reason, st.Detail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
