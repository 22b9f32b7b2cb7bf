// Package tlstest makes certificates for tests of TLS links: a private CA
// and certificates it signed, written as PEM files.
package tlstest

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mimamori/edge/tlsconf"
)

// Files are a CA certificate and a certificate and key it signed, with
// that certificate's serial number (decimal).
type Files struct {
	CA, Cert, Key string
	Serial        string
}

// CA is a private certificate authority.
type CA struct {
	cert, key []byte // PEM
}

// NewCA makes a CA named name.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	cert, key, err := tlsconf.NewCA(name, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{cert: cert, key: key}
}

// Issue writes into dir the CA's certificate and a server certificate for
// hosts (names or addresses) with its key, as server.pem and server.key.
func (ca *CA) Issue(t testing.TB, dir string, hosts ...string) Files {
	t.Helper()
	return ca.issue(t, dir, "server", tlsconf.ServerUse, hosts[0], hosts[1:])
}

// Client writes into dir the CA's certificate and a client certificate
// naming name (its common name) with its key, as client.pem and
// client.key.
func (ca *CA) Client(t testing.TB, dir string, name string) Files {
	t.Helper()
	return ca.issue(t, dir, "client", tlsconf.ClientUse, name, nil)
}

func (ca *CA) issue(t testing.TB, dir, base string, use tlsconf.Usage, name string, hosts []string) Files {
	t.Helper()
	cert, key, err := tlsconf.Issue(ca.cert, ca.key, use, name, hosts, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f := Files{CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, base+".pem"), Key: filepath.Join(dir, base+".key")}
	// Readable by all: a broker started as root may read them as its own
	// user (Mosquitto does).
	for path, b := range map[string][]byte{f.CA: ca.cert, f.Cert: cert, f.Key: key} {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	block, _ := pem.Decode(cert)
	parsed, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	f.Serial = parsed.SerialNumber.String()
	return f
}
