package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// Secure reports whether a broker URL asks for TLS: the schemes ssl, tls,
// mqtts, mqtt+ssl and tcps, as the MQTT client takes them.
func Secure(brokerURL string) bool {
	u, err := url.Parse(brokerURL)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
		return true
	}
	return false
}

// Loopback reports whether a broker URL names this host, where a link
// without TLS crosses no network.
func Loopback(brokerURL string) bool {
	u, err := url.Parse(brokerURL)
	if err != nil {
		return false
	}
	switch h := u.Hostname(); {
	case h == "localhost", strings.HasPrefix(h, "127."), h == "::1":
		return true
	}
	return false
}

// Client is the configuration a client uses to reach a broker over TLS:
// it trusts the certificates in caFile (PEM) when given, otherwise the
// system's roots, and checks the broker's name as always. It resumes
// sessions, so that reconnecting over a flaky LTE link does not send the
// broker's certificate chain (kilobytes, on a metered link) every time.
func Client(caFile string) (*tls.Config, error) {
	return ClientWithCertificate(caFile, "", "")
}

// ClientWithCertificate is Client that also presents the certificate in
// certFile with the key in keyFile (PEM), when given: a sensor's own
// certificate, which identifies it to a broker that asks for one.
func ClientWithCertificate(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ClientSessionCache: tls.NewLRUClientSessionCache(8)}
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("tls: a client certificate needs both its certificate and its key file")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("tls: client certificate %s and key %s: %w", certFile, keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if caFile == "" {
		return cfg, nil
	}
	pool, err := readPool(caFile)
	if err != nil {
		return nil, fmt.Errorf("tls: CA file: %w", err)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// Server is the configuration of a broker serving the certificate chain in
// certFile with the key in keyFile (PEM). Both are read now, so that a
// wrong file stops the start, and again at a handshake once either file
// has changed; while a renewal cannot be read (caught half written, say),
// the previous certificate is served.
//
// With clientCAFile, clients may present a certificate, which must then be
// signed by one of the CAs in that file (PEM); PeerName tells who it names.
func Server(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	r := &reloader{certFile: certFile, keyFile: keyFile}
	if err := r.load(); err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.get}
	if clientCAFile != "" {
		pool, err := readPool(clientCAFile)
		if err != nil {
			return nil, fmt.Errorf("tls: client CA file: %w", err)
		}
		cfg.ClientAuth, cfg.ClientCAs = tls.VerifyClientCertIfGiven, pool
	}
	return cfg, nil
}

// PeerName is the common name of the verified certificate a client
// presented on conn, and whether there is one: conn is a *tls.Conn whose
// handshake is done, or wraps one (see Conn).
func PeerName(conn net.Conn) (string, bool) {
	tc := Conn(conn)
	if tc == nil {
		return "", false
	}
	st := tc.ConnectionState()
	if !st.HandshakeComplete || len(st.VerifiedChains) == 0 {
		return "", false
	}
	return st.VerifiedChains[0][0].Subject.CommonName, true
}

// Conn is the TLS connection conn is or wraps (through an Unwrap method),
// nil when it is not TLS.
func Conn(conn net.Conn) *tls.Conn {
	for conn != nil {
		if tc, ok := conn.(*tls.Conn); ok {
			return tc
		}
		u, ok := conn.(interface{ Unwrap() net.Conn })
		if !ok {
			return nil
		}
		conn = u.Unwrap()
	}
	return nil
}

func readPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", file)
	}
	return pool, nil
}

// reloader holds the served certificate and the files' modification times
// it was read at.
type reloader struct {
	certFile, keyFile string

	mu      sync.Mutex
	cert    *tls.Certificate
	modTime [2]time.Time
	failed  [2]time.Time // the times of a pair that did not load, not tried again
}

func (r *reloader) stamps() ([2]time.Time, error) {
	var t [2]time.Time
	for i, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return t, fmt.Errorf("tls: %w", err)
		}
		t[i] = fi.ModTime()
	}
	return t, nil
}

func (r *reloader) load() error {
	t, err := r.stamps()
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("tls: certificate %s and key %s: %w", r.certFile, r.keyFile, err)
	}
	r.mu.Lock()
	r.cert, r.modTime = &cert, t
	r.mu.Unlock()
	return nil
}

func (r *reloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	t, err := r.stamps()
	r.mu.Lock()
	cert, changed := r.cert, err == nil && t != r.modTime && t != r.failed
	r.mu.Unlock()
	if !changed {
		return cert, nil
	}
	if err := r.load(); err != nil {
		// A renewal caught half written, say: keep serving the previous
		// certificate, and try these files again only once they change.
		r.mu.Lock()
		r.failed = t
		r.mu.Unlock()
		return cert, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cert, nil
}

// Expiry is when the first certificate in certFile (PEM) expires.
func Expiry(certFile string) (time.Time, error) {
	b, err := os.ReadFile(certFile)
	if err != nil {
		return time.Time{}, fmt.Errorf("tls: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return time.Time{}, fmt.Errorf("tls: %s: no PEM certificate in it", certFile)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return time.Time{}, fmt.Errorf("tls: %s: %w", certFile, err)
	}
	return c.NotAfter, nil
}
