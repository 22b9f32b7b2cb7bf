package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimamori/edge/capture/capturetest"
)

func TestAnalyzeCommandWritesJSONLines(t *testing.T) {
	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	var out bytes.Buffer
	if err := runAnalyze(context.Background(), []string{path}, &out); err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var rec struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		types[rec.Type]++
	}
	if types["flow"] == 0 || types["stats"] == 0 {
		t.Errorf("record types %v, want flows and stats", types)
	}
}

func TestAnalyzeCommandErrors(t *testing.T) {
	var out bytes.Buffer
	if err := runAnalyze(context.Background(), nil, &out); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("no files: err = %v, want usage", err)
	}
	if err := runAnalyze(context.Background(), []string{"/nonexistent.pcap"}, &out); err == nil {
		t.Error("a missing file was not reported")
	}
}

// TestSensorCommandChecksFiles: a --pcap that cannot be read stops the
// command at once with the file's error, before anything starts.
func TestSensorCommandChecksFiles(t *testing.T) {
	notCapture := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notCapture, []byte("not a capture at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want string }{
		{"/nonexistent.pcap", "no such file"},
		{notCapture, "not a pcap or pcapng file"},
	} {
		// Bounded, so that a command that starts anyway ends and fails the test.
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err := runSensor(ctx, []string{"--tenant", "acme", "--id", "s1", "--pcap", tc.file,
			"--data", t.TempDir(), "--modem", "none", "--broker", "tcp://127.0.0.1:1", "--status-listen", "127.0.0.1:0"})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "--pcap") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--pcap %s: err = %v, want one naming --pcap and %q", tc.file, err, tc.want)
		}
	}
}

func TestSanitize(t *testing.T) {
	cases := map[string]string{
		"plant a.pcap":  "plant_a.pcap",
		"ok-1_x.pcapng": "ok-1_x.pcapng",
		"日本.pcap":       "__.pcap",
	}
	for in, want := range cases {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDemoStart(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 30, 40, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		last, want time.Time
	}{
		{"fresh data", time.Time{}, time.Date(2026, 11, 25, 9, 28, 0, 0, time.UTC)},
		{"kept data behind the clock", now.Add(-time.Hour), time.Date(2026, 11, 25, 9, 28, 0, 0, time.UTC)},
		{"kept data of a faster run, ahead of the clock", now.Add(3 * time.Hour), time.Date(2026, 11, 25, 12, 32, 0, 0, time.UTC)},
		{"kept data ending at the clock", now.Truncate(time.Minute), time.Date(2026, 11, 25, 9, 32, 0, 0, time.UTC)},
	} {
		if got := demoStart(now, tc.last); !got.Equal(tc.want) {
			t.Errorf("%s: start %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestSensorCommandChecksBrokerCA: a CA file that cannot be read stops the
// start with the reason, rather than a sensor that never connects.
func TestSensorCommandChecksBrokerCA(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want string }{
		{"/nonexistent/ca.pem", "no such file"},
		{junk, "no PEM certificate"},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		err := runSensor(ctx, []string{"--tenant", "acme", "--id", "s1", "--pcap", "../../edge/analyze/testdata/synthetic.pcap",
			"--data", t.TempDir(), "--modem", "none", "--broker", "ssl://127.0.0.1:1", "--broker-ca", tc.file, "--status-listen", "127.0.0.1:0"})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "CA file") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--broker-ca %s: err = %v, want one naming the CA file and %q", tc.file, err, tc.want)
		}
	}
}

// TestSensorCommandCertificateNeedsTLS: a sensor certificate with a plain
// broker URL is a mistake said at the start, not a certificate never sent.
func TestSensorCommandCertificateNeedsTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err := runSensor(ctx, []string{"--tenant", "acme", "--id", "s1", "--pcap", "../../edge/analyze/testdata/synthetic.pcap",
		"--data", t.TempDir(), "--modem", "none", "--broker", "tcp://cloud.example:1883",
		"--cert-file", "/etc/mimamori/sensor.pem", "--key-file", "/etc/mimamori/sensor.key", "--status-listen", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "asks for TLS") {
		t.Fatalf("err = %v, want one saying the broker URL must ask for TLS", err)
	}
}
