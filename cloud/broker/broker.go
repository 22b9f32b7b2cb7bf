package broker

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"mimamori/cloud/ratelog"
	"mimamori/edge/tlsconf"
	"mimamori/edge/wire"
)

// Ingester stores one batch payload. It returns nil when the batch is
// stored or was a duplicate, an error wrapping a permanent rejection that
// IsPermanent recognises, or any other error when a retry may succeed.
type Ingester interface {
	Ingest(ctx context.Context, topic string, payload []byte) error
}

// Credential lets one sensor connect and publish only its own batches.
type Credential struct {
	Tenant   string
	Sensor   string
	Username string
	Password string
}

// Config configures the embedded broker.
type Config struct {
	// Listen is the TCP address for sensors, e.g. ":1883" or "127.0.0.1:0".
	Listen      string
	Credentials []Credential
	Ingester    Ingester
	// IsPermanent tells rejected batches (acknowledge, never retry) from
	// transient failures (withhold the PUBACK so the sensor sends again).
	IsPermanent func(error) bool
	// TLS, when set, is the listener's TLS: sensors then connect with
	// ssl:// or mqtts:// (tlsconf.Server).
	TLS *tls.Config
	// PlainListen, with TLS, is a second address that serves MQTT without
	// TLS: for sensors on a private APN or a VPN, while they move to TLS.
	PlainListen string
	// MaxConnections bounds the connections open at once on each listener
	// (10,000 when zero); more are closed as they come.
	MaxConnections int
	// ConnectTimeout is how long a connection may take to send its
	// CONNECT packet before it is closed; 30 s when zero.
	ConnectTimeout time.Duration
	Logger         *slog.Logger
}

// Broker is a running embedded broker.
type Broker struct {
	srv       *mqtt.Server
	addr      string
	scheme    string // of URL: tcp:// or, with TLS, ssl://
	plainAddr string // of the plain listener beside the TLS one, if any
	hook      *hook
}

// Start listens and serves until Close.
func Start(cfg Config) (*Broker, error) {
	if cfg.Ingester == nil {
		return nil, errors.New("broker: no ingester")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.IsPermanent == nil {
		cfg.IsPermanent = func(error) bool { return false }
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = 10000
	}
	if cfg.PlainListen != "" && cfg.TLS == nil {
		return nil, errors.New("broker: a plain listener besides the TLS one needs TLS")
	}
	listen := cfg.Listen
	if listen == "" {
		listen = ":1883"
	}
	ln, addr, err := bind(listen, cfg.TLS)
	if err != nil {
		return nil, err
	}
	scheme := "tcp://"
	if cfg.TLS != nil {
		scheme = "ssl://"
	}
	b := &Broker{addr: addr, scheme: scheme}
	lns := []*listener{newListener("sensors", ln, cfg.ConnectTimeout, cfg.MaxConnections)}
	if cfg.PlainListen != "" {
		pln, paddr, err := bind(cfg.PlainListen, nil)
		if err != nil {
			ln.Close()
			return nil, err
		}
		b.plainAddr = paddr
		lns = append(lns, newListener("sensors-plain", pln, cfg.ConnectTimeout, cfg.MaxConnections))
	}
	closeAll := func() {
		for _, l := range lns {
			l.ln.Close()
		}
	}
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = wire.MaxPacket
	srv := mqtt.New(&mqtt.Options{
		Capabilities: caps,
		InlineClient: true,
		Logger:       slog.New(mochiHandler{cfg.Logger.With("component", "mqtt").Handler()}),
	})
	h := &hook{ingester: cfg.Ingester, isPermanent: cfg.IsPermanent, logger: cfg.Logger,
		clientCerts: cfg.TLS != nil && cfg.TLS.ClientCAs != nil,
		logins:      &loginLog{logger: cfg.Logger, limit: ratelog.New(loginLogEvery, nil)}}
	if h.creds, err = h.credentials(cfg.Credentials); err != nil {
		closeAll()
		return nil, err
	}
	if err := srv.AddHook(h, nil); err != nil {
		closeAll()
		return nil, fmt.Errorf("broker: add hook: %w", err)
	}
	for _, l := range lns {
		if err := srv.AddListener(l); err != nil {
			closeAll()
			return nil, fmt.Errorf("broker: %w", err)
		}
	}
	if err := srv.Serve(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("broker: serve: %w", err)
	}
	b.srv, b.hook = srv, h
	return b, nil
}

// bind listens at listen, with TLS when tlsCfg is set, and returns the
// address sensors connect to.
func bind(listen string, tlsCfg *tls.Config) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, "", fmt.Errorf("broker: %w", err) // names the address
	}
	addr, err := connectAddr(listen, ln.Addr())
	if err != nil {
		ln.Close()
		return nil, "", err
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	return ln, addr, nil
}

// Addr is the address sensors connect to.
func (b *Broker) Addr() string { return b.addr }

// URL is the paho broker URL for Addr.
func (b *Broker) URL() string { return b.scheme + b.addr }

// PlainURL is the URL of the plain listener beside the TLS one, "" without
// one.
func (b *Broker) PlainURL() string {
	if b.plainAddr == "" {
		return ""
	}
	return "tcp://" + b.plainAddr
}

// Close stops the broker.
func (b *Broker) Close() error { return b.srv.Close() }

// SetCredentials replaces the sensors that may log in. Sensors removed,
// or whose password changed, are disconnected; those with a new password
// log in again with it.
func (b *Broker) SetCredentials(creds []Credential) error {
	m, err := b.hook.credentials(creds)
	if err != nil {
		return err
	}
	b.hook.mu.Lock()
	old := b.hook.creds
	b.hook.creds = m
	b.hook.mu.Unlock()
	for _, cl := range b.srv.Clients.GetAll() {
		if cl.Net.Inline {
			continue
		}
		name := string(cl.Properties.Username)
		if before, now := old[name], m[name]; before != now || now.Username == "" {
			b.srv.DisconnectClient(cl, packets.ErrNotAuthorized)
		}
	}
	return nil
}

// connectAddr is the address sensors connect to for a listener bound at
// listen: as configured, or with the port the system chose for port 0.
func connectAddr(listen string, bound net.Addr) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("broker: listen address %q: %w", listen, err)
	}
	if port != "0" {
		return listen, nil
	}
	_, port, err = net.SplitHostPort(bound.String())
	if err != nil {
		return "", fmt.Errorf("broker: bound address %s: %w", bound, err)
	}
	return net.JoinHostPort(host, port), nil
}

// hook authenticates sensors, confines each to its own topic, and ingests
// batches synchronously inside OnPublish, so the PUBACK means "stored".
type hook struct {
	mqtt.HookBase
	ingester    Ingester
	isPermanent func(error) bool
	logger      *slog.Logger
	logins      *loginLog
	links       links
	clientCerts bool // sensors may log in with a certificate

	mu    sync.RWMutex
	creds map[string]Credential // by user name; replaced whole, never changed
}

// credentials checks creds and returns them by user name.
func (h *hook) credentials(creds []Credential) (map[string]Credential, error) {
	m := make(map[string]Credential, len(creds))
	for _, c := range creds {
		certOnly := c.Password == "" && h.clientCerts
		if !wire.ValidID(c.Tenant) || !wire.ValidID(c.Sensor) || c.Username == "" || (c.Password == "" && !certOnly) {
			return nil, fmt.Errorf("broker: incomplete credential for %s/%s", c.Tenant, c.Sensor)
		}
		if _, dup := m[c.Username]; dup {
			return nil, fmt.Errorf("broker: user name %q given twice", c.Username)
		}
		m[c.Username] = c
	}
	return m, nil
}

// credential is the sensor that logs in as username.
func (h *hook) credential(username string) (Credential, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	c, ok := h.creds[username]
	return c, ok
}

func (h *hook) ID() string { return "mimamori-sensors" }

func (h *hook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck || b == mqtt.OnPublish || b == mqtt.OnDisconnect
}

// Link is how a sensor is connected to the embedded broker, or was last.
type Link struct {
	Tenant      string    `json:"tenant"`
	Sensor      string    `json:"sensor"`
	Connected   bool      `json:"connected"`
	TLS         bool      `json:"tls"`         // the connection is encrypted
	Certificate bool      `json:"certificate"` // the sensor logged in with its certificate
	Since       time.Time `json:"since"`       // when it logged in, or when it left
	Remote      string    `json:"remote"`      // its address as the broker saw it
}

// links records each sensor's connection as it logs in and leaves.
type links struct {
	mu sync.Mutex
	m  map[string]*linked // by MQTT user name
}

type linked struct {
	Link
	client *mqtt.Client // the connection that logged in last
}

func (l *links) up(c Credential, cl *mqtt.Client, cert bool) {
	isTLS := tlsconf.Conn(cl.Net.Conn) != nil
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*linked{}
	}
	l.m[c.Username] = &linked{Link: Link{Tenant: c.Tenant, Sensor: c.Sensor, Connected: true, TLS: isTLS, Certificate: cert,
		Since: time.Now(), Remote: cl.Net.Remote}, client: cl}
}

func (l *links) down(username string, cl *mqtt.Client) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// A sensor that reconnected before its old connection was noticed
	// gone stays connected.
	if e := l.m[username]; e != nil && e.client == cl {
		e.Connected, e.Since, e.client = false, time.Now(), nil
	}
}

// Links returns how each sensor that has logged in since the start is
// connected, or was last.
func (b *Broker) Links() []Link {
	b.hook.links.mu.Lock()
	defer b.hook.links.mu.Unlock()
	out := make([]Link, 0, len(b.hook.links.m))
	for _, e := range b.hook.links.m {
		out = append(out, e.Link)
	}
	return out
}

func (h *hook) OnDisconnect(cl *mqtt.Client, _ error, _ bool) {
	h.links.down(string(cl.Properties.Username), cl)
}

func (h *hook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	c, ok := h.credential(string(pk.Connect.Username))
	if !ok {
		h.logins.refused(string(pk.Connect.Username), false, "unknown sensor login", cl.Net.Remote)
		return false
	}
	// A certificate the TLS handshake verified identifies the sensor by
	// its common name; it must name the sensor logging in.
	if name, ok := tlsconf.PeerName(cl.Net.Conn); ok {
		if name != c.Username {
			h.logins.refused(c.Username, true, "sensor certificate names another sensor ("+name+")", cl.Net.Remote)
			return false
		}
		h.links.up(c, cl, true)
		return true
	}
	if c.Password == "" {
		h.logins.refused(c.Username, true, "sensor logs in with a certificate only, and gave none", cl.Net.Remote)
		return false
	}
	want := sha256.Sum256([]byte(c.Password))
	got := sha256.Sum256(pk.Connect.Password)
	if subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
		h.logins.refused(c.Username, true, "wrong sensor password", cl.Net.Remote)
		return false
	}
	h.links.up(c, cl, false)
	return true
}

func (h *hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	c, ok := h.credential(string(cl.Properties.Username))
	if !ok {
		return false
	}
	// Sensors publish their own batches and nothing else; later, commands
	// for a sensor will come on its own subtree.
	return write && topic == wire.BatchTopic(c.Tenant, c.Sensor)
}

func (h *hook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline || !strings.HasPrefix(pk.TopicName, wire.TopicPrefix+"/") {
		return pk, nil
	}
	err := h.ingester.Ingest(context.Background(), pk.TopicName, pk.Payload)
	switch {
	case err == nil:
		return pk, nil
	case h.isPermanent(err):
		// Acknowledge: resending a batch that can never be stored would
		// block everything behind it. The ingester kept the payload.
		return pk, nil
	default:
		h.logger.Warn("broker: ingest failed; withholding PUBACK so the sensor resends", "topic", pk.TopicName, "err", err)
		return pk, packets.ErrRejectPacket
	}
}
