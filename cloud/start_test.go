package cloud_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"mimamori/cloud"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/sensor"
	"mimamori/edge/tlsconf"
	"mimamori/edge/tlsconf/tlstest"
	"mimamori/web/portaltest"
)

// TestStartPortTaken: a taken broker or portal port stops the start with
// an error that says which server it was and names the address once.
func TestStartPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	for _, tc := range []struct {
		server string
		set    func(*cloud.Config)
	}{
		{"broker", func(c *cloud.Config) { c.MQTTListen = taken }},
		{"portal", func(c *cloud.Config) { c.HTTPListen = taken }},
	} {
		cfg := testConfig(t.TempDir())
		tc.set(&cfg)
		c, err := cloud.Start(t.Context(), cfg, quiet())
		if err == nil {
			c.Close()
			t.Fatalf("%s on a taken port: started", tc.server)
		}
		if msg := err.Error(); !strings.Contains(msg, tc.server+": ") || strings.Count(msg, taken) != 1 || !strings.Contains(msg, "in use") {
			t.Errorf("%s on a taken port: %q; want the server named and the address once", tc.server, msg)
		}
	}
}

// TestEmbeddedBrokerTLS: with mqtt_tls_cert and mqtt_tls_key the embedded
// broker serves TLS, and a sensor that trusts its CA delivers every batch.
func TestEmbeddedBrokerTLS(t *testing.T) {
	dir := t.TempDir()
	files := tlstest.NewCA(t, "Mimamori test CA").Issue(t, dir, "127.0.0.1")
	cfg := testConfig(dir)
	cfg.MQTTTLSCert, cfg.MQTTTLSKey = files.Cert, files.Key
	c, err := cloud.Start(t.Context(), cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer within(t, time.Minute, "cloud.Close", func() { c.Close() })
	if !strings.HasPrefix(c.MQTTURL(), "ssl://") {
		t.Fatalf("MQTT URL %s, want ssl://", c.MQTTURL())
	}
	deliver(t, c, sensor.Config{Broker: c.MQTTURL(), BrokerCA: files.CA}, capturetest.Path(t, "modbus/iti_ModbusTCP.pcap"))
	// センサー管理 tells how the sensor was connected.
	hc := portaltest.Login(t, c.PortalURL(), testEmail, testPassword)
	res, err := hc.Get(c.PortalURL() + "/sensors")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "暗号化 (TLS) · パスワード認証") {
		t.Error("センサー管理 does not say the sensor's link was TLS with a password")
	}
	// The operator's view has every sensor's link.
	res, err = http.Get(c.PortalURL() + "/ops/actors")
	if err != nil {
		t.Fatal(err)
	}
	var ops struct {
		Links []struct {
			Tenant, Sensor string
			TLS            bool
		} `json:"links"`
	}
	err = json.NewDecoder(res.Body).Decode(&ops)
	res.Body.Close()
	if err != nil || len(ops.Links) != 1 || ops.Links[0].Sensor != "s1" || !ops.Links[0].TLS {
		t.Errorf("/ops/actors links %+v (%v), want s1 over TLS", ops.Links, err)
	}

	// A certificate that cannot be read stops the start.
	cfg = testConfig(t.TempDir())
	cfg.MQTTTLSCert, cfg.MQTTTLSKey = files.Cert, files.CA // a certificate, not a key
	if c2, err := cloud.Start(t.Context(), cfg, quiet()); err == nil {
		c2.Close()
		t.Fatal("a cloud with a certificate file for a key started")
	}
}

// TestPortalTLS: with http_tls_cert and http_tls_key the portal serves
// HTTPS itself, with secure cookies, and nothing over plain HTTP.
func TestPortalTLS(t *testing.T) {
	dir := t.TempDir()
	files := tlstest.NewCA(t, "Mimamori test CA").Issue(t, dir, "127.0.0.1")
	cfg := testConfig(dir)
	cfg.HTTPTLSCert, cfg.HTTPTLSKey = files.Cert, files.Key
	c, err := cloud.Start(t.Context(), cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer within(t, time.Minute, "cloud.Close", func() { c.Close() })
	if !strings.HasPrefix(c.PortalURL(), "https://") {
		t.Fatalf("portal URL %s, want https://", c.PortalURL())
	}
	clientTLS, err := tlsconf.Client(files.CA)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: clientTLS}}
	res, err := hc.Get(c.PortalURL() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /login over HTTPS: %d", res.StatusCode)
	}
	if len(res.Cookies()) == 0 {
		t.Fatal("the login page sets no cookie")
	}
	for _, ck := range res.Cookies() {
		if !ck.Secure {
			t.Errorf("cookie %s is not secure", ck.Name)
		}
	}
	plain := &http.Client{Timeout: 10 * time.Second}
	if res, err := plain.Get("http://" + c.HTTPAddr() + "/login"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Error("the portal answered over plain HTTP")
		}
	}
}

// TestPlainBrokerWarns: a broker without TLS on an address other hosts
// reach is warned about at the start; one on the loopback is not.
func TestPlainBrokerWarns(t *testing.T) {
	for _, tc := range []struct {
		listen string
		warn   bool
	}{{"127.0.0.1:0", false}, {"0.0.0.0:0", true}} {
		cfg := testConfig(t.TempDir())
		cfg.MQTTListen = tc.listen
		var log bytes.Buffer
		c, err := cloud.Start(t.Context(), cfg, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err != nil {
			t.Fatal(err)
		}
		c.Close() // read the log once nothing writes to it
		if got := strings.Contains(log.String(), "without TLS"); got != tc.warn {
			t.Errorf("broker on %s: warned %v, want %v:\n%s", tc.listen, got, tc.warn, log.String())
		}
	}
}
