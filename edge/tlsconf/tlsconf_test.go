package tlsconf_test

import (
	"crypto/tls"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"mimamori/edge/tlsconf"
	"mimamori/edge/tlsconf/tlstest"
)

func TestSecureAndLoopback(t *testing.T) {
	for _, tc := range []struct {
		url              string
		secure, loopback bool
	}{
		{"tcp://127.0.0.1:1883", false, true},
		{"tcp://localhost:1883", false, true},
		{"tcp://[::1]:1883", false, true},
		{"ssl://cloud.example:8883", true, false},
		{"tls://10.0.0.5:8883", true, false},
		{"mqtts://cloud.example:8883", true, false},
		{"TCPS://cloud.example:8883", true, false},
		{"mqtt+ssl://cloud.example:8883", true, false},
		{"mqtt://cloud.example:1883", false, false},
		{"tcp://cloud.example:1883", false, false},
		{"ws://cloud.example/mqtt", false, false},
		{"::not a url", false, false},
	} {
		if got := tlsconf.Secure(tc.url); got != tc.secure {
			t.Errorf("Secure(%q) = %v", tc.url, got)
		}
		if got := tlsconf.Loopback(tc.url); got != tc.loopback {
			t.Errorf("Loopback(%q) = %v", tc.url, got)
		}
	}
}

// serve accepts TLS connections with cfg until the test ends and completes
// their handshakes.
func serve(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// dial handshakes with addr and returns the serial number of the server's
// certificate.
func dial(addr string, cfg *tls.Config) (string, error) {
	serial, _, err := dialState(addr, cfg)
	return serial, err
}

// dialState is dial that also says whether the session was resumed.
func dialState(addr string, cfg *tls.Config) (serial string, resumed bool, err error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", false, err
	}
	defer c.Close()
	// TLS 1.3 sends the session ticket after the handshake: read to
	// receive it (the server closes at once).
	c.SetReadDeadline(time.Now().Add(time.Second))
	c.Read(make([]byte, 1))
	st := c.ConnectionState()
	return st.PeerCertificates[0].SerialNumber.String(), st.DidResume, nil
}

// TestClientResumes: a second connection resumes the first one's session
// and is not sent the certificate chain again.
func TestClientResumes(t *testing.T) {
	files := tlstest.NewCA(t, "Mimamori test CA").Issue(t, t.TempDir(), "127.0.0.1")
	srv, err := tlsconf.Server(files.Cert, files.Key, "")
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, srv)
	client, _ := tlsconf.Client(files.CA)
	if _, resumed, err := dialState(addr, client); err != nil || resumed {
		t.Fatalf("first connection: resumed %v, %v", resumed, err)
	}
	if _, resumed, err := dialState(addr, client); err != nil || !resumed {
		t.Fatalf("second connection: resumed %v, %v; want a resumed session", resumed, err)
	}
}

func TestClientTrustsItsCA(t *testing.T) {
	dir := t.TempDir()
	files := tlstest.NewCA(t, "Mimamori test CA").Issue(t, dir, "127.0.0.1")
	srv, err := tlsconf.Server(files.Cert, files.Key, "")
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, srv)

	trusting, err := tlsconf.Client(files.CA)
	if err != nil {
		t.Fatal(err)
	}
	if serial, err := dial(addr, trusting); err != nil || serial != files.Serial {
		t.Fatalf("with the CA: serial %s, %v; want %s", serial, err, files.Serial)
	}
	system, err := tlsconf.Client("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dial(addr, system); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("with the system's roots: %v, want a certificate error", err)
	}
	other, err := tlsconf.Client(tlstest.NewCA(t, "another CA").Issue(t, t.TempDir(), "127.0.0.1").CA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dial(addr, other); err == nil {
		t.Fatal("a client trusting another CA connected")
	}

	if _, err := tlsconf.Client(dir + "/missing.pem"); err == nil || !strings.Contains(err.Error(), "CA file") {
		t.Errorf("a missing CA file: %v", err)
	}
	os.WriteFile(dir+"/junk.pem", []byte("not a certificate"), 0o644)
	if _, err := tlsconf.Client(dir + "/junk.pem"); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a CA file without a certificate: %v", err)
	}
	if _, err := tlsconf.Server(files.Cert, dir+"/junk.pem", ""); err == nil {
		t.Error("a server with a key file that is no key started")
	}
	if _, err := tlsconf.Server(files.Cert, files.Key, dir+"/junk.pem"); err == nil || !strings.Contains(err.Error(), "client CA") {
		t.Errorf("a client CA file without a certificate: %v", err)
	}
	if _, err := tlsconf.ClientWithCertificate(files.CA, files.Cert, ""); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("a client certificate without its key: %v", err)
	}
	if _, err := tlsconf.ClientWithCertificate(files.CA, files.Cert, files.CA); err == nil || !strings.Contains(err.Error(), "client certificate") {
		t.Errorf("a client certificate with a certificate for its key: %v", err)
	}
}

// TestServerReloads: a renewed certificate is served from the next
// handshake on; one caught half written is not, and the previous one is
// served meanwhile.
func TestServerReloads(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "Mimamori test CA")
	files := ca.Issue(t, dir, "127.0.0.1")
	srv, err := tlsconf.Server(files.Cert, files.Key, "")
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, srv)
	client, _ := tlsconf.Client(files.CA)
	client.ClientSessionCache = nil // a resumed session keeps its certificate: every handshake here is whole
	later := func(step int) {
		at := time.Now().Add(time.Duration(step) * time.Second)
		os.Chtimes(files.Cert, at, at)
		os.Chtimes(files.Key, at, at)
	}

	renewed := ca.Issue(t, dir, "127.0.0.1")
	later(1)
	if serial, err := dial(addr, client); err != nil || serial != renewed.Serial {
		t.Fatalf("after renewal: serial %s, %v; want %s", serial, err, renewed.Serial)
	}

	// Half written: the new certificate without its key yet.
	third := ca.Issue(t, dir, "127.0.0.1")
	key3, _ := os.ReadFile(files.Key)
	os.WriteFile(files.Key, []byte("-----BEGIN EC PRIVATE KEY-----\ntruncated"), 0o644)
	later(2)
	if serial, err := dial(addr, client); err != nil || serial != renewed.Serial {
		t.Fatalf("during a half-written renewal: serial %s, %v; want the previous %s", serial, err, renewed.Serial)
	}
	os.WriteFile(files.Key, key3, 0o644)
	later(3)
	if serial, err := dial(addr, client); err != nil || serial != third.Serial {
		t.Fatalf("once the renewal is whole: serial %s, %v; want %s", serial, err, third.Serial)
	}
}
