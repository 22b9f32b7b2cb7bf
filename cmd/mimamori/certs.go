package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mimamori/edge/tlsconf"
	"mimamori/edge/wire"
)

const certsUsage = `mimamori certs — a private CA for the sensors' link to the cloud

  mimamori certs ca     --dir DIR [--name NAME]      make the CA: DIR/ca.pem (give it to sensors as --broker-ca, and to the cloud as mqtt_tls_client_ca) and DIR/ca.key (keep it offline)
  mimamori certs broker --dir DIR --host NAME ...    the broker's certificate: DIR/broker.pem and DIR/broker.key (mqtt_tls_cert, mqtt_tls_key)
  mimamori certs sensor --dir DIR --id ID            a sensor's certificate: DIR/ID.pem and DIR/ID.key (the sensor's --cert-file, --key-file)

Files are never overwritten; keys are readable by their owner only.
`

// hostsFlag collects a repeatable --host.
type hostsFlag []string

func (h *hostsFlag) String() string     { return strings.Join(*h, ",") }
func (h *hostsFlag) Set(v string) error { *h = append(*h, v); return nil }

func runCerts(args []string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(out, certsUsage)
		return errors.New("certs: say what to make: ca, broker or sensor")
	}
	kind, args := args[0], args[1:]
	fs := flag.NewFlagSet("certs "+kind, flag.ContinueOnError)
	dir := fs.String("dir", "", "the CA's directory")
	years := fs.Int("years", 2, "years the certificate is valid (the CA's: 10 unless given)")
	var name, id *string
	var hosts hostsFlag
	switch kind {
	case "ca":
		name = fs.String("name", "Mimamori CA", "the CA's name")
	case "broker":
		fs.Var(&hosts, "host", "a host name or address sensors reach the broker at; repeat for several")
	case "sensor":
		id = fs.String("id", "", "the sensor's MQTT user name (its id unless the cloud's file gives another)")
	default:
		fmt.Fprint(out, certsUsage)
		return fmt.Errorf("certs: unknown kind %q: ca, broker or sensor", kind)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("certs: --dir is required")
	}
	yearsSet := false
	fs.Visit(func(f *flag.Flag) { yearsSet = yearsSet || f.Name == "years" })
	if *years <= 0 {
		return errors.New("certs: --years must be positive")
	}
	valid := time.Duration(*years) * 365 * 24 * time.Hour
	caCert, caKey := filepath.Join(*dir, "ca.pem"), filepath.Join(*dir, "ca.key")
	if kind == "ca" {
		if !yearsSet {
			valid = 10 * 365 * 24 * time.Hour
		}
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			return fmt.Errorf("certs: %w", err)
		}
		cert, key, err := tlsconf.NewCA(*name, valid)
		if err != nil {
			return err
		}
		return writePair(out, caCert, cert, caKey, key)
	}
	cab, err := os.ReadFile(caCert)
	if err != nil {
		return fmt.Errorf("certs: the CA: %w (make it with: mimamori certs ca --dir %s)", err, *dir)
	}
	cak, err := os.ReadFile(caKey)
	if err != nil {
		return fmt.Errorf("certs: the CA's key: %w", err)
	}
	var use tlsconf.Usage
	var subject, base string
	switch kind {
	case "broker":
		if len(hosts) == 0 {
			return errors.New("certs: give --host, the name or address sensors reach the broker at")
		}
		use, subject, base = tlsconf.ServerUse, hosts[0], "broker"
	case "sensor":
		if !wire.ValidID(*id) {
			return fmt.Errorf("certs: --id %q is not a sensor id (1 to 64 letters, digits, -, _ or .)", *id)
		}
		use, subject, base = tlsconf.ClientUse, *id, *id
	}
	var extra []string
	if len(hosts) > 1 {
		extra = hosts[1:]
	}
	cert, key, err := tlsconf.Issue(cab, cak, use, subject, extra, valid)
	if err != nil {
		return err
	}
	return writePair(out, filepath.Join(*dir, base+".pem"), cert, filepath.Join(*dir, base+".key"), key)
}

// writePair writes a certificate and its key, neither over an existing
// file, the key readable by its owner only.
func writePair(out io.Writer, certPath string, cert []byte, keyPath string, key []byte) error {
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("certs: %s exists; not overwritten", p)
		}
	}
	if err := writeNew(keyPath, key, 0o600); err != nil {
		return err
	}
	if err := writeNew(certPath, cert, 0o644); err != nil {
		os.Remove(keyPath)
		return err
	}
	fmt.Fprintf(out, "wrote %s and %s\n", certPath, keyPath)
	return nil
}

func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("certs: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("certs: %w", err)
	}
	return nil
}
