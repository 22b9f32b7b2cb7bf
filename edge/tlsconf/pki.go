package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// A private CA for the link: `mimamori certs` makes one, the broker's
// certificate and the sensors' own with these. Keys are ECDSA P-256, so
// that a handshake over LTE carries little; serial numbers are random.

// Usage is what an issued certificate is for.
type Usage int

const (
	// ServerUse is the broker's certificate, for its host names and
	// addresses.
	ServerUse Usage = iota
	// ClientUse is a sensor's certificate; its common name is the
	// sensor's MQTT user name.
	ClientUse
)

// NewCA makes a CA certificate named name, valid for validFor, and its
// key, both PEM.
func NewCA(name string, validFor time.Duration) (certPEM, keyPEM []byte, err error) {
	key, tmpl, err := newKey(name, validFor)
	if err != nil {
		return nil, nil, err
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.MaxPathLenZero = true, true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: make CA: %w", err)
	}
	return encode(der, key)
}

// Issue signs with the CA (its certificate and key, PEM) a certificate
// for use named name, valid for validFor, and returns it and its key,
// PEM. A server certificate is for name and hosts (names or addresses); a
// client certificate names name only.
func Issue(caCertPEM, caKeyPEM []byte, use Usage, name string, hosts []string, validFor time.Duration) (certPEM, keyPEM []byte, err error) {
	ca, caKey, err := parseCA(caCertPEM, caKeyPEM)
	if err != nil {
		return nil, nil, err
	}
	if name == "" {
		return nil, nil, errors.New("tls: a certificate needs a name")
	}
	key, tmpl, err := newKey(name, validFor)
	if err != nil {
		return nil, nil, err
	}
	if tmpl.NotAfter.After(ca.NotAfter) {
		tmpl.NotAfter = ca.NotAfter // never outlive the CA
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	switch use {
	case ServerUse:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		for _, h := range append([]string{name}, hosts...) {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
	case ClientUse:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	default:
		return nil, nil, fmt.Errorf("tls: unknown certificate use %d", use)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: issue %s: %w", name, err)
	}
	return encode(der, key)
}

// newKey makes a key and the template of a certificate named name, valid
// for validFor, with a random serial number.
func newKey(name string, validFor time.Duration) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	return key, &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		// A sensor's clock may be a little behind the cloud's.
		NotBefore: now.Add(-time.Hour),
		NotAfter:  now.Add(validFor),
	}, nil
}

func parseCA(certPEM, keyPEM []byte) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, nil, errors.New("tls: the CA certificate is not a PEM certificate")
	}
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: CA certificate: %w", err)
	}
	if !ca.IsCA {
		return nil, nil, errors.New("tls: the CA certificate is not a CA's")
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, nil, errors.New("tls: the CA key is not PEM")
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: CA key: %w", err)
	}
	if !key.PublicKey.Equal(ca.PublicKey) {
		return nil, nil, errors.New("tls: the CA key does not belong to the CA certificate")
	}
	return ca, key, nil
}

func encode(der []byte, key *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	kd, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), nil
}
