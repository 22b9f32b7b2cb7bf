package cloud

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t testing.TB, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cloud.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	good := `{"data_dir": "/var/lib/mimamori", "tenants": [{"id": "acme", "name": "ACME",
		"sensors": [{"id": "s1", "password": "long-enough-secret"}],
		"users": [{"email": "a@acme.example", "password": "pw"}]}]}`
	cfg, err := LoadConfig(writeConfig(t, good))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Tenants[0].Sensors[0].Username; got != "s1" {
		t.Errorf("username defaulted to %q, want the sensor id", got)
	}
	certOnly := `{"data_dir": "x", "mqtt_tls_cert": "c.pem", "mqtt_tls_key": "k.pem", "mqtt_tls_client_ca": "ca.pem",
		"tenants": [{"id": "a", "sensors": [{"id": "s1"}]}]}`
	if _, err := LoadConfig(writeConfig(t, certOnly)); err != nil {
		t.Errorf("a sensor without a password, with a client CA: %v", err)
	}
	cases := []struct{ name, body, want string }{
		{"unknown field", `{"data_dir": "x", "tenantz": []}`, "unknown field"},
		{"no data dir", `{"tenants": []}`, "data_dir"},
		{"bad tenant id", `{"data_dir": "x", "tenants": [{"id": "a/b"}]}`, "invalid tenant"},
		{"bad sensor id", `{"data_dir": "x", "tenants": [{"id": "a", "sensors": [{"id": "s 1", "password": "long-enough-secret"}]}]}`, "invalid sensor"},
		{"short password", `{"data_dir": "x", "tenants": [{"id": "a", "sensors": [{"id": "s1", "password": "short"}]}]}`, "12 characters"},
		{"shared username", `{"data_dir": "x", "tenants": [{"id": "a", "sensors": [{"id": "s1", "password": "long-enough-secret"}, {"id": "s2", "username": "s1", "password": "long-enough-secret"}]}]}`, "used twice"},
		{"six users", `{"data_dir": "x", "tenants": [{"id": "a", "users": [{},{},{},{},{},{}]}]}`, "at most 5"},
		{"no sensor", `{"data_dir": "x", "tenants": [{"id": "a"}]}`, "1 to 9"},
		{"ten sensors", `{"data_dir": "x", "tenants": [{"id": "a", "sensors": [` + tenSensors + `]}]}`, "1 to 9"},
		{"not json", `data_dir = x`, "config"},
		{"TLS certificate without key", `{"data_dir": "x", "mqtt_tls_cert": "/etc/mimamori/mqtt.pem"}`, "go together"},
		{"TLS key without certificate", `{"data_dir": "x", "mqtt_tls_key": "/etc/mimamori/mqtt.key"}`, "go together"},
		{"broker certificate without key", `{"data_dir": "x", "broker": "ssl://b:8883", "broker_cert": "c.pem"}`, "go together"},
		{"broker certificate to a plain broker", `{"data_dir": "x", "broker": "tcp://b:1883", "broker_cert": "c.pem", "broker_key": "k.pem"}`, "over TLS"},
		{"plain listener without TLS", `{"data_dir": "x", "mqtt_plain_listen": ":1883"}`, "beside a TLS one"},
		{"client CA without TLS", `{"data_dir": "x", "mqtt_tls_client_ca": "ca.pem"}`, "needs the broker's TLS"},
		{"no password without a client CA", `{"data_dir": "x", "tenants": [{"id": "a", "sensors": [{"id": "s1"}]}]}`, "12 characters"},
		{"TLS with an external broker", `{"data_dir": "x", "broker": "ssl://b:8883", "mqtt_tls_cert": "c", "mqtt_tls_key": "k"}`, "embedded broker"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func FuzzLoadConfig(f *testing.F) {
	f.Add(`{"data_dir": "x", "tenants": [{"id": "a", "sensors": [{"id": "s1", "password": "long-enough-secret"}]}]}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, body string) {
		cfg, err := LoadConfig(writeConfig(t, body))
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("a loaded config fails validation: %v", err)
		}
	})
}

// tenSensors is ten sensors of a tenant, as JSON list items.
var tenSensors = func() string {
	var items []string
	for i := 0; i < 10; i++ {
		items = append(items, fmt.Sprintf(`{"id": "s%d", "password": "long-enough-secret"}`, i))
	}
	return strings.Join(items, ", ")
}()
