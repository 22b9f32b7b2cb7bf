package cloud

import (
	"encoding/json"
	"fmt"
	"os"

	"mimamori/edge/tlsconf"
	"mimamori/edge/wire"
)

// Config is the cloud's configuration, usually read from a JSON file.
type Config struct {
	// DataDir holds the SQLite database and quarantined payloads.
	DataDir string `json:"data_dir"`
	// MQTTListen is the embedded broker's address (default ":1883").
	MQTTListen string `json:"mqtt_listen"`
	// MQTTTLSCert and MQTTTLSKey, PEM files, make the embedded broker
	// serve TLS (sensors then use ssl:// or mqtts://). They are read again
	// when they change, so a renewed certificate needs no restart.
	MQTTTLSCert string `json:"mqtt_tls_cert,omitempty"`
	MQTTTLSKey  string `json:"mqtt_tls_key,omitempty"`
	// MQTTTLSClientCA, a PEM file, lets sensors log in with a certificate
	// of their own signed by one of its CAs, whose common name is the
	// sensor's MQTT user name; a sensor with no password may log in only
	// so.
	MQTTTLSClientCA string `json:"mqtt_tls_client_ca,omitempty"`
	// MQTTPlainListen, with TLS, is a second broker address without TLS,
	// for sensors on a private APN or a VPN while they move to TLS.
	MQTTPlainListen string `json:"mqtt_plain_listen,omitempty"`
	// Broker, when set, uses an external broker instead of the embedded one.
	Broker         string `json:"broker,omitempty"`
	BrokerUsername string `json:"broker_username,omitempty"`
	BrokerPassword string `json:"broker_password,omitempty"`
	// BrokerCA is a PEM file of the CA that signed the external broker's
	// certificate, for an ssl:// or mqtts:// Broker; the system's roots
	// when empty.
	BrokerCA string `json:"broker_ca,omitempty"`
	// BrokerCert and BrokerKey, PEM files, are the cloud's own
	// certificate, for an external broker that asks its clients for one.
	BrokerCert string `json:"broker_cert,omitempty"`
	BrokerKey  string `json:"broker_key,omitempty"`
	// HTTPListen is the portal's address (default ":8080").
	HTTPListen string `json:"http_listen"`
	// HTTPTLSCert and HTTPTLSKey, PEM files, make the portal serve HTTPS
	// itself (read again when they change), without a reverse proxy; its
	// cookies are then secure.
	HTTPTLSCert string `json:"http_tls_cert,omitempty"`
	HTTPTLSKey  string `json:"http_tls_key,omitempty"`
	// SecureCookies must be set when the portal is served over HTTPS.
	SecureCookies bool `json:"secure_cookies"`
	// OpsToken guards the operator's /ops endpoints; empty allows loopback only.
	OpsToken string   `json:"ops_token,omitempty"`
	Tenants  []Tenant `json:"tenants"`
}

// Tenant is one customer with its sensors and portal users.
type Tenant struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Sensors []Sensor `json:"sensors"`
	Users   []User   `json:"users"`
}

// Sensor is a sensor's identity and MQTT credentials.
type Sensor struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Username    string `json:"username"` // defaults to ID
	Password    string `json:"password"`
}

// User is a portal account provisioned at start if missing.
type User struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Admin    bool   `json:"admin"`
}

// LoadConfig reads a JSON config file, rejecting unknown fields so that a
// typo is an error rather than a silently ignored setting.
func LoadConfig(path string) (Config, error) {
	var cfg Config
	f, err := os.Open(path)
	if err != nil {
		return cfg, fmt.Errorf("cloud: config: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("cloud: config %s: %w", path, err)
	}
	return cfg, cfg.Validate()
}

// Validate checks identities and credentials.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("cloud: config: data_dir is required")
	}
	if (c.MQTTTLSCert == "") != (c.MQTTTLSKey == "") {
		return fmt.Errorf("cloud: config: mqtt_tls_cert and mqtt_tls_key go together")
	}
	if (c.BrokerCert == "") != (c.BrokerKey == "") {
		return fmt.Errorf("cloud: config: broker_cert and broker_key go together")
	}
	if c.BrokerCert != "" && c.Broker != "" && !tlsconf.Secure(c.Broker) {
		return fmt.Errorf("cloud: config: broker_cert is for an external broker reached over TLS (ssl:// or mqtts://)")
	}
	if (c.HTTPTLSCert == "") != (c.HTTPTLSKey == "") {
		return fmt.Errorf("cloud: config: http_tls_cert and http_tls_key go together")
	}
	if c.MQTTPlainListen != "" && c.MQTTTLSCert == "" {
		return fmt.Errorf("cloud: config: mqtt_plain_listen is a second address beside a TLS one (mqtt_tls_cert); without TLS, mqtt_listen is plain already")
	}
	if c.MQTTTLSClientCA != "" && c.MQTTTLSCert == "" {
		return fmt.Errorf("cloud: config: mqtt_tls_client_ca needs the broker's TLS (mqtt_tls_cert and mqtt_tls_key)")
	}
	if c.Broker != "" && c.MQTTTLSCert != "" {
		return fmt.Errorf("cloud: config: mqtt_tls_cert is for the embedded broker; with an external broker, its own configuration serves TLS")
	}
	seen := map[string]bool{}
	for ti := range c.Tenants {
		t := &c.Tenants[ti]
		if !wire.ValidID(t.ID) {
			return fmt.Errorf("cloud: config: invalid tenant id %q", t.ID)
		}
		for si := range t.Sensors {
			s := &t.Sensors[si]
			if !wire.ValidID(s.ID) {
				return fmt.Errorf("cloud: config: tenant %s: invalid sensor id %q", t.ID, s.ID)
			}
			if s.Username == "" {
				s.Username = s.ID
			}
			certOnly := s.Password == "" && c.MQTTTLSClientCA != ""
			if c.Broker == "" && len(s.Password) < 12 && !certOnly {
				return fmt.Errorf("cloud: config: sensor %s/%s needs a password of at least 12 characters (or none, to log in with a certificate only, with mqtt_tls_client_ca)", t.ID, s.ID)
			}
			if seen[s.Username] {
				return fmt.Errorf("cloud: config: MQTT username %q used twice", s.Username)
			}
			seen[s.Username] = true
		}
		if len(t.Users) > 5 {
			return fmt.Errorf("cloud: config: tenant %s has %d users; at most 5 are allowed", t.ID, len(t.Users))
		}
		// A contract covers 1 to 9 sensors (P1, P3); cancelling it removes
		// the tenant from the file.
		if n := len(t.Sensors); n < 1 || n > 9 {
			return fmt.Errorf("cloud: config: tenant %s has %d sensors; a tenant has 1 to 9", t.ID, n)
		}
	}
	return nil
}
