package modemtest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tarm/serial"
)

// exchange writes cmd to the port and reads until a line that is OK or
// an error, as the raw bytes arrived.
func exchange(t *testing.T, p *serial.Port, cmd string) string {
	t.Helper()
	if _, err := p.Write([]byte(cmd + "\r")); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	buf := make([]byte, 256)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n, _ := p.Read(buf)
		got.Write(buf[:n])
		s := got.String()
		if strings.Contains(s, "\r\nOK\r\n") || strings.Contains(s, "ERROR") {
			return s
		}
	}
	t.Fatalf("%s: no final result in %q", cmd, got.String())
	return ""
}

func TestSimOverSerial(t *testing.T) {
	sim, err := Start(Healthy("quectel"))
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	p, err := serial.OpenPort(&serial.Config{Name: sim.Path(), Baud: 115200, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// Echo is on after power-on, as on a real modem.
	if got := exchange(t, p, "AT+CSQ"); got != "AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n" {
		t.Errorf("AT+CSQ with echo = %q", got)
	}
	exchange(t, p, "ATE0")
	if got := exchange(t, p, "AT+QCCID"); got != "\r\n+QCCID: 8981100012345678901F\r\n\r\nOK\r\n" {
		t.Errorf("AT+QCCID = %q", got)
	}
	if got := exchange(t, p, "AT+NOPE"); got != "\r\nERROR\r\n" {
		t.Errorf("unknown command = %q", got)
	}
	if want := []string{"AT+CSQ", "ATE0", "AT+QCCID", "AT+NOPE"}; strings.Join(sim.Commands(), " ") != strings.Join(want, " ") {
		t.Errorf("commands %q", sim.Commands())
	}
	if sim.Count("at+q") != 1 {
		t.Errorf("Count is not case-insensitive")
	}
}

func TestSimFaults(t *testing.T) {
	tests := []struct {
		script Script
		cmd    string
		want   string
	}{
		{NoSIM(), "AT+CPIN?", "+CME ERROR: 10"},
		{PINRequired(), "AT+CPIN?", "+CPIN: SIM PIN"},
		{PINRequired(), `AT+CPIN="0000"`, "+CME ERROR: 16"},
		{NoSignal(), "AT+CSQ", "+CSQ: 99,99"},
		{NoSignal(), "AT+CEREG?", "+CEREG: 0,2"},
		{Denied(), "AT+CEREG?", "+CEREG: 0,3"},
		{Script{Reg: 5}, "AT+CREG?", "+CREG: 0,5"},
		{Healthy("huawei"), "AT+CESQ", "ERROR"},
		{Script{APN: "closed"}, "AT+CGACT=1,1", "+CME ERROR: 149"},
	}
	for _, tt := range tests {
		m := newMachine(tt.script, time.Now())
		if got := m.handle(tt.cmd, time.Now()); !strings.Contains(got, tt.want) {
			t.Errorf("%+v %s = %q, want %q", tt.script, tt.cmd, got, tt.want)
		}
	}
	// Three wrong PINs lock the SIM behind its PUK.
	m := newMachine(PINRequired(), time.Now())
	for range 3 {
		m.handle(`AT+CPIN="0000"`, time.Now())
	}
	if got := m.handle("AT+CPIN?", time.Now()); !strings.Contains(got, "SIM PUK") {
		t.Errorf("after three wrong PINs: %q", got)
	}
	// A hang: the answered commands, then silence until a reset.
	m = newMachine(Hang(), time.Now())
	for i := 1; i <= 10; i++ {
		got := m.handle("AT", time.Now())
		if (i <= 8) != (got != "") {
			t.Errorf("command %d answered %q", i, got)
		}
	}
}

func TestSimDisappearAndReappear(t *testing.T) {
	link := t.TempDir() + "/modem"
	sim, err := Start(Healthy("generic"), WithLink(link))
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	p, err := serial.OpenPort(&serial.Config{Name: link, Baud: 115200, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sim.Disappear()
	buf := make([]byte, 16)
	var readErr error
	for deadline := time.Now().Add(5 * time.Second); readErr == nil && time.Now().Before(deadline); {
		_, readErr = p.Read(buf)
	}
	p.Close()
	if readErr == nil {
		t.Error("reads kept working after the port disappeared")
	}
	if _, err := serial.OpenPort(&serial.Config{Name: link, Baud: 115200}); err == nil {
		t.Error("the vanished port could still be opened")
	}
	if err := sim.Reappear(); err != nil {
		t.Fatal(err)
	}
	p, err = serial.OpenPort(&serial.Config{Name: link, Baud: 115200, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := exchange(t, p, "AT"); !strings.Contains(got, "OK") {
		t.Errorf("after reappearing: %q", got)
	}
	sim.Close()
	if err := sim.Reappear(); err != ErrClosed {
		t.Errorf("Reappear after Close = %v", err)
	}
}

func TestNotATPortSpeaksNMEA(t *testing.T) {
	sim, err := Start(Script{NotAT: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	p, err := serial.OpenPort(&serial.Config{Name: sim.Path(), Baud: 115200, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Write([]byte("AT\r"))
	var got bytes.Buffer
	buf := make([]byte, 256)
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(got.String(), "\r\n") && time.Now().Before(deadline); {
		n, _ := p.Read(buf) // a read timeout is an empty read
		got.Write(buf[:n])
	}
	if !strings.HasPrefix(got.String(), "$GPGGA,") || strings.Contains(got.String(), "OK") {
		t.Errorf("a GPS port said %q", got.String())
	}
	if len(sim.Commands()) != 0 {
		t.Errorf("a GPS port recorded commands %q", sim.Commands())
	}
}

func TestCorpus(t *testing.T) {
	c := Corpus()
	scripts := map[string]bool{}
	for _, ex := range c {
		scripts[ex.Script] = true
	}
	for _, n := range Faults(0) {
		if !scripts[n.Name] {
			t.Errorf("corpus lacks script %s", n.Name)
		}
	}
	if len(c) < 100 {
		t.Errorf("corpus has %d exchanges", len(c))
	}
}
