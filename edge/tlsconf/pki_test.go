package tlsconf_test

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"mimamori/edge/tlsconf"
)

func parse(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(certPEM)
	if b == nil {
		t.Fatal("not PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIssue(t *testing.T) {
	caCert, caKey, err := tlsconf.NewCA("Mimamori CA", 10*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(parse(t, caCert))

	srvCert, _, err := tlsconf.Issue(caCert, caKey, tlsconf.ServerUse, "cloud.example", []string{"203.0.113.5"}, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	srv := parse(t, srvCert)
	for _, host := range []string{"cloud.example", "203.0.113.5"} {
		if _, err := srv.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("server certificate for %s: %v", host, err)
		}
	}
	if _, err := srv.Verify(x509.VerifyOptions{Roots: roots, DNSName: "other.example"}); err == nil {
		t.Error("the server certificate verifies for a host it does not name")
	}
	if !srv.NotAfter.Equal(parse(t, caCert).NotAfter) {
		t.Errorf("a certificate asked for a year outlives its CA of 10 days: %s", srv.NotAfter)
	}

	cliCert, _, err := tlsconf.Issue(caCert, caKey, tlsconf.ClientUse, "line1", nil, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cli := parse(t, cliCert)
	if _, err := cli.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if _, err := cli.Verify(x509.VerifyOptions{Roots: roots}); err == nil {
		t.Error("a client certificate verifies as a server's")
	}
	if cli.Subject.CommonName != "line1" || len(cli.DNSNames) != 0 {
		t.Errorf("client certificate names %q and %v", cli.Subject.CommonName, cli.DNSNames)
	}
	if srv.SerialNumber.Cmp(cli.SerialNumber) == 0 {
		t.Error("two certificates share a serial number")
	}

	otherCert, otherKey, _ := tlsconf.NewCA("another CA", time.Hour)
	for _, tc := range []struct {
		name             string
		caCert, caKey    []byte
		certName, wanted string
	}{
		{"a key of another CA", caCert, otherKey, "x", "does not belong"},
		{"a leaf for a CA", cliCert, caKey, "x", "not a CA"},
		{"no name", caCert, caKey, "", "needs a name"},
		{"no PEM", []byte("junk"), caKey, "x", "not a PEM certificate"},
		{"a certificate for a key", caCert, otherCert, "x", "CA key"},
	} {
		if _, _, err := tlsconf.Issue(tc.caCert, tc.caKey, tlsconf.ServerUse, tc.certName, nil, time.Hour); err == nil || !strings.Contains(err.Error(), tc.wanted) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.wanted)
		}
	}
}
