package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"mimamori/cloud"
	"mimamori/edge/tlsconf"
)

// TestCertsMakeAWorkingLink: the CA, broker and sensor certificates that
// `mimamori certs` makes set up a cloud whose broker a sensor reaches over
// TLS and logs in to with its certificate alone.
func TestCertsMakeAWorkingLink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	for _, args := range [][]string{
		{"ca", "--dir", dir},
		{"broker", "--dir", dir, "--host", "localhost", "--host", "127.0.0.1"},
		{"sensor", "--dir", dir, "--id", "line1"},
	} {
		if err := runCerts(args, io.Discard); err != nil {
			t.Fatalf("certs %v: %v", args, err)
		}
	}
	for _, key := range []string{"ca.key", "broker.key", "line1.key"} {
		if fi, err := os.Stat(filepath.Join(dir, key)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", key, err, fi.Mode())
		}
	}
	if err := runCerts([]string{"sensor", "--dir", dir, "--id", "line1"}, io.Discard); err == nil || !strings.Contains(err.Error(), "not overwritten") {
		t.Errorf("a second line1: %v, want a refusal to overwrite", err)
	}
	for _, args := range [][]string{
		{"sensor", "--dir", dir, "--id", "line 1"},
		{"broker", "--dir", dir},
		{"server", "--dir", dir},
		{"sensor", "--dir", filepath.Join(t.TempDir(), "none"), "--id", "x"},
	} {
		if err := runCerts(args, io.Discard); err == nil {
			t.Errorf("certs %v: no error", args)
		}
	}

	cfg := cloud.Config{
		DataDir: t.TempDir(), MQTTListen: "127.0.0.1:0", HTTPListen: "127.0.0.1:0",
		MQTTTLSCert: filepath.Join(dir, "broker.pem"), MQTTTLSKey: filepath.Join(dir, "broker.key"),
		MQTTTLSClientCA: filepath.Join(dir, "ca.pem"),
		Tenants:         []cloud.Tenant{{ID: "acme", Sensors: []cloud.Sensor{{ID: "line1"}}}},
	}
	c, err := cloud.Start(t.Context(), cfg, newLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tlsCfg, err := tlsconf.ClientWithCertificate(filepath.Join(dir, "ca.pem"), filepath.Join(dir, "line1.pem"), filepath.Join(dir, "line1.key"))
	if err != nil {
		t.Fatal(err)
	}
	url := strings.Replace(c.MQTTURL(), "127.0.0.1", "localhost", 1) // by name, as the broker's certificate gives it first
	cl := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetTLSConfig(tlsCfg).SetClientID("line1").
		SetUsername("line1").SetAutoReconnect(false).SetProtocolVersion(4))
	tok := cl.Connect()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("line1 over TLS with its certificate: %v", tok.Error())
	}
	cl.Disconnect(0)
}
