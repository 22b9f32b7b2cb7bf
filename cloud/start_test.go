package cloud_test

import (
	"net"
	"strings"
	"testing"

	"mimamori/cloud"
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
