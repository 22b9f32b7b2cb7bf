package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mimamori/cloud"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/tlsconf/tlstest"
	"mimamori/web/portaltest"
)

// TestDeployGuide follows docs/DEPLOY.md as written: the cloud starts on
// the guide's cloud.json, a sensor on the guide's command line (a capture
// replayed in place of the mirror port, and the test's own addresses and
// directories), and the guide's portal user then sees the sensor's devices
// and OT events. A guide whose configuration or flags no longer work
// fails here.
func TestDeployGuide(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join("..", "..", "docs", "DEPLOY.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := fenced(string(guide))
	if len(blocks["json"]) == 0 {
		t.Fatal("the guide has no cloud.json")
	}
	var sensorLine string
	for _, b := range blocks["sh"] {
		if strings.HasPrefix(b, "mimamori sensor ") {
			sensorLine = b
		}
	}
	if sensorLine == "" {
		t.Fatal("the guide has no sensor command line")
	}

	// The cloud, on the guide's file with the test's directory and ports.
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cloud.json")
	if err := os.WriteFile(cfgPath, []byte(blocks["json"][0]), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := cloud.LoadConfig(cfgPath)
	if err != nil {
		t.Fatalf("the guide's cloud.json: %v", err)
	}
	if len(cfg.Tenants) == 0 || len(cfg.Tenants[0].Sensors) == 0 || len(cfg.Tenants[0].Users) == 0 {
		t.Fatalf("the guide's cloud.json has no tenant with a sensor and a user: %+v", cfg)
	}
	cfg.DataDir = filepath.Join(dir, "cloud")
	cfg.MQTTListen, cfg.HTTPListen = "127.0.0.1:0", "127.0.0.1:0"
	// The guide's broker speaks TLS: its certificate, here, is one of a
	// test CA for the loopback address.
	if cfg.MQTTTLSCert == "" {
		t.Fatal("the guide's cloud.json has no mqtt_tls_cert: the broker would speak plain MQTT")
	}
	certs := tlstest.NewCA(t, "Mimamori test CA").Issue(t, dir, "127.0.0.1")
	cfg.MQTTTLSCert, cfg.MQTTTLSKey = certs.Cert, certs.Key
	cfg.SecureCookies = false // the test's portal is plain HTTP
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := cloud.Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// The sensor, on the guide's flags: the secret file holds the guide's
	// sensor password, the capture replaces the interface.
	sensorCfg, user := cfg.Tenants[0].Sensors[0], cfg.Tenants[0].Users[0]
	secret := filepath.Join(dir, "sensor.secret")
	if err := os.WriteFile(secret, []byte(sensorCfg.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	replace := map[string]string{
		"--iface":         "--pcap=" + capturetest.Path(t, "modbus/iti_ModbusTCP.pcap"),
		"--broker":        "--broker=" + c.MQTTURL(),
		"--password-file": "--password-file=" + secret,
		"--data":          "--data=" + filepath.Join(dir, "sensor"),
		"--broker-ca":     "--broker-ca=" + certs.CA,
	}
	var args []string
	fields := strings.Fields(strings.TrimPrefix(sensorLine, "mimamori sensor "))
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if r, ok := replace[f]; ok {
			args = append(args, r)
			i++ // its value
			continue
		}
		args = append(args, f)
	}
	args = append(args, "--modem=none", "--status-listen=", "--log=error")
	done := make(chan error, 1)
	go func() { done <- runSensor(ctx, args) }()

	client := portaltest.Login(t, "http://"+c.HTTPAddr(), user.Email, user.Password)
	var devices struct {
		Devices []json.RawMessage `json:"devices"`
	}
	var ot struct {
		Events []struct {
			Sensor   string `json:"sensor"`
			Protocol string `json:"protocol"`
		} `json:"events"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(devices.Devices) == 0 || len(ot.Events) == 0 {
		select {
		case err := <-done:
			t.Fatalf("the sensor stopped: %v (args %q)", err, args)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute the portal shows %d devices and %d OT events", len(devices.Devices), len(ot.Events))
		}
		time.Sleep(100 * time.Millisecond)
		portaltest.GetJSON(t, client, "http://"+c.HTTPAddr()+"/api/v1/devices", &devices)
		// The capture is years old: the lists' default period is the
		// last week.
		portaltest.GetJSON(t, client, "http://"+c.HTTPAddr()+"/api/v1/ot?from=2000-01-01", &ot)
	}
	if e := ot.Events[0]; e.Protocol != "modbus" || e.Sensor != sensorCfg.ID {
		t.Errorf("OT event %+v, want Modbus from the replayed capture, from sensor %s", e, sensorCfg.ID)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sensor: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("the sensor did not stop")
	}
}

// fenced returns a Markdown text's fenced code blocks by language, each
// trimmed of surrounding space.
func fenced(md string) map[string][]string {
	out := map[string][]string{}
	for _, m := range regexp.MustCompile("(?s)```([a-z]*)\n(.*?)```").FindAllStringSubmatch(md, -1) {
		out[m[1]] = append(out[m[1]], strings.TrimSpace(m[2]))
	}
	return out
}
