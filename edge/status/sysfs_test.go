package status

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeLEDs lays out a /sys/class/leds directory. Real LED directories have
// brightness, max_brightness and trigger; delay_on/delay_off appear once
// the timer trigger is chosen, which the fake imitates by creating them
// up front.
func fakeLEDs(t *testing.T, timer bool, names ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, n := range names {
		dir := filepath.Join(root, n)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		trig := "[none] kbd-scrolllock heartbeat default-on"
		if timer {
			trig = "[none] kbd-scrolllock timer heartbeat default-on"
		}
		files := map[string]string{"brightness": "0\n", "max_brightness": "255\n", "trigger": trig + "\n"}
		if timer {
			files["delay_on"], files["delay_off"] = "500\n", "500\n"
		}
		for f, body := range files {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func readLED(t *testing.T, root, name string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range []string{"brightness", "trigger", "delay_on", "delay_off"} {
		b, err := os.ReadFile(filepath.Join(root, name, f))
		if err == nil {
			out[f] = strings.TrimSpace(string(b))
		}
	}
	return out
}

func TestSysfsBicolor(t *testing.T) {
	root := fakeLEDs(t, true, "mimamori:green:status", "mimamori:red:status")
	s, err := NewSysfs(SysfsConfig{Root: root, Green: "mimamori:green:status", Red: "mimamori:red:status", BlinkOn: 300 * time.Millisecond, BlinkOff: 700 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type led struct{ trigger, brightness string }
	tests := []struct {
		p          Pattern
		green, red led
	}{
		{Pattern{Color: Green}, led{"none", "255"}, led{"none", "0"}},
		{Pattern{Color: Green, Blink: true}, led{"timer", ""}, led{"none", "0"}},
		{Pattern{Color: Amber}, led{"none", "255"}, led{"none", "255"}},
		{Pattern{Color: Red}, led{"none", "0"}, led{"none", "255"}},
		{Pattern{Color: Off}, led{"none", "0"}, led{"none", "0"}},
	}
	for _, tt := range tests {
		if err := s.Show(tt.p); err != nil {
			t.Fatalf("Show(%+v): %v", tt.p, err)
		}
		for name, want := range map[string]led{"mimamori:green:status": tt.green, "mimamori:red:status": tt.red} {
			got := readLED(t, root, name)
			if got["trigger"] != want.trigger || (want.brightness != "" && got["brightness"] != want.brightness) {
				t.Errorf("%+v: %s = %v, want trigger %s brightness %s", tt.p, name, got, want.trigger, want.brightness)
			}
			if want.trigger == "timer" && (got["delay_on"] != "300" || got["delay_off"] != "700") {
				t.Errorf("%+v: %s blinks %s/%s ms", tt.p, name, got["delay_on"], got["delay_off"])
			}
		}
	}
}

func TestSysfsDedicatedAmber(t *testing.T) {
	root := fakeLEDs(t, true, "g", "r", "a")
	s, err := NewSysfs(SysfsConfig{Root: root, Green: "g", Red: "r", Amber: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Show(Pattern{Color: Amber}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range []string{"g", "r", "a"} {
		got[n] = readLED(t, root, n)["brightness"]
	}
	if want := map[string]string{"g": "0", "r": "0", "a": "255"}; !reflect.DeepEqual(got, want) {
		t.Errorf("brightness %v, want %v", got, want)
	}
}

func TestSysfsSoftwareBlinkWithoutTimerTrigger(t *testing.T) {
	root := fakeLEDs(t, false, "g", "r")
	s, err := NewSysfs(SysfsConfig{Root: root, Green: "g", Red: "r", BlinkOn: 5 * time.Millisecond, BlinkOff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Show(Pattern{Color: Green, Blink: true}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for !(seen["0"] && seen["255"]) {
		if time.Now().After(deadline) {
			t.Fatalf("green never toggled: saw %v", seen)
		}
		seen[readLED(t, root, "g")["brightness"]] = true
		time.Sleep(time.Millisecond)
	}
	if got := readLED(t, root, "g")["trigger"]; got != "none" {
		t.Errorf("trigger %q, want none", got)
	}
	// A steady pattern stops the blinking for good.
	if err := s.Show(Pattern{Color: Red}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	if got := readLED(t, root, "g")["brightness"]; got != "0" {
		t.Errorf("green brightness %s after switching to red", got)
	}
}

func TestSysfsErrors(t *testing.T) {
	root := fakeLEDs(t, true, "g")
	for name, cfg := range map[string]SysfsConfig{
		"missing red":  {Root: root, Green: "g", Red: "nope"},
		"no red":       {Root: root, Green: "g"},
		"path in name": {Root: root, Green: "g", Red: "../g"},
		"missing root": {Root: filepath.Join(root, "absent"), Green: "g", Red: "g"},
	} {
		if _, err := NewSysfs(cfg); !errors.Is(err, ErrNoLED) {
			t.Errorf("%s: err = %v, want ErrNoLED", name, err)
		}
	}
	// An LED that vanishes (module unloaded) makes Show fail, and the
	// next Show tries again rather than assuming the pattern is shown.
	root = fakeLEDs(t, true, "g", "r")
	s, err := NewSysfs(SysfsConfig{Root: root, Green: "g", Red: "r"})
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(root, "r"))
	if err := s.Show(Pattern{Color: Red}); err == nil {
		t.Error("Show succeeded with the red LED gone")
	}
	os.MkdirAll(filepath.Join(root, "r"), 0o755)
	if err := s.Show(Pattern{Color: Red}); err != nil {
		t.Errorf("Show after the LED came back: %v", err)
	}
}

func TestParseTriggers(t *testing.T) {
	all, active := parseTriggers("none rc-feedback [timer] heartbeat\n")
	if !reflect.DeepEqual(all, []string{"none", "rc-feedback", "timer", "heartbeat"}) || active != "timer" {
		t.Errorf("got %q, active %q", all, active)
	}
	if all, active := parseTriggers(""); all != nil || active != "" {
		t.Errorf("empty: %q %q", all, active)
	}
}
