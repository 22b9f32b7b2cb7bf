package cloud_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"mimamori/cloud"
	"mimamori/cloud/store"
	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/sensor"
	"mimamori/edge/tlsconf/tlstest"
)

// mosquittoBinary finds Debian's broker; it lives in /usr/sbin, which is
// not always on PATH.
func mosquittoBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
		return "/usr/sbin/mosquitto"
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("mosquitto is not installed; .ci/run installs Debian's mosquitto package")
	}
	t.Skip("skipping the Mosquitto interop test: no mosquitto binary (apt-get install mosquitto)")
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Mosquitto's link to its clients in an interop test.
type linkMode int

const (
	plainLink   linkMode = iota
	tlsLink              // TLS with a certificate of a private CA
	clientCerts          // TLS, and every client must present a certificate of that CA
)

// startMosquitto runs a private Mosquitto on loopback with password
// authentication, the way a customer's own broker would be set up, on the
// link mode gives, and returns its URL and, with TLS, its CA and the CA's
// file.
func startMosquitto(t *testing.T, mode linkMode) (url string, ca *tlstest.CA, caFile string) {
	t.Helper()
	bin := mosquittoBinary(t)
	// Not t.TempDir(): its parent is private, and Mosquitto started as root
	// drops to its own user, which must be able to read these files.
	dir, err := os.MkdirTemp("", "mimamori-mosquitto-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port := freePort(t)
	pwfile := filepath.Join(dir, "passwd")
	for _, u := range [][2]string{{"s1", sensorSecret}, {"cloud", "cloud-secret-456"}} {
		args := []string{"-b", pwfile, u[0], u[1]}
		if _, err := os.Stat(pwfile); err != nil {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd: %v\n%s", err, out)
		}
	}
	acl := filepath.Join(dir, "acl")
	os.WriteFile(acl, []byte("user s1\ntopic write mimamori/v1/acme/s1/batch\n\nuser cloud\ntopic read mimamori/v1/#\n"), 0o600)
	conf := filepath.Join(dir, "mosquitto.conf")
	listener, scheme := fmt.Sprintf("listener %d 127.0.0.1\n", port), "tcp://"
	if mode != plainLink {
		ca = tlstest.NewCA(t, "Mimamori test CA")
		files := ca.Issue(t, dir, "127.0.0.1")
		listener += fmt.Sprintf("certfile %s\nkeyfile %s\n", files.Cert, files.Key)
		scheme, caFile = "ssl://", files.CA
		if mode == clientCerts {
			listener += fmt.Sprintf("cafile %s\nrequire_certificate true\n", files.CA)
		}
	}
	os.WriteFile(conf, []byte(fmt.Sprintf(
		"%sallow_anonymous false\npassword_file %s\nacl_file %s\npersistence false\nlog_dest stderr\n",
		listener, pwfile, acl)), 0o600)
	for _, p := range []string{dir, pwfile, acl, conf} {
		mode := os.FileMode(0o644)
		if p == dir {
			mode = 0o755
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "-c", conf)
	logf, _ := os.Create(filepath.Join(dir, "mosquitto.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mosquitto: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("mosquitto log:\n%s", b)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return scheme + addr, ca, caFile
		}
		if time.Now().After(deadline) {
			t.Fatalf("mosquitto did not listen on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMosquittoInterop: sensors and the cloud meet at a real Mosquitto,
// without TLS and with it, and every conversation arrives.
func TestMosquittoInterop(t *testing.T) {
	t.Run("plain", func(t *testing.T) { testMosquittoInterop(t, plainLink) })
	t.Run("tls", func(t *testing.T) { testMosquittoInterop(t, tlsLink) })
	t.Run("client certificates", func(t *testing.T) { testMosquittoInterop(t, clientCerts) })
}

func testMosquittoInterop(t *testing.T, mode linkMode) {
	brokerURL, ca, caFile := startMosquitto(t, mode)
	ctx := context.Background()
	cfg := testConfig(t.TempDir())
	cfg.Broker, cfg.BrokerUsername, cfg.BrokerPassword, cfg.BrokerCA = brokerURL, "cloud", "cloud-secret-456", caFile
	link := sensor.Config{Broker: brokerURL, BrokerCA: caFile}
	if mode == clientCerts {
		own, sensorCert := ca.Client(t, t.TempDir(), "cloud"), ca.Client(t, t.TempDir(), "s1")
		cfg.BrokerCert, cfg.BrokerKey = own.Cert, own.Key
		link.BrokerCert, link.BrokerKey = sensorCert.Cert, sensorCert.Key
		// Without its certificate, the cloud is turned away.
		bare := cfg
		bare.DataDir, bare.BrokerCert, bare.BrokerKey = t.TempDir(), "", ""
		if c, err := cloud.Start(ctx, bare, quiet()); err == nil {
			c.Close()
			t.Fatal("the cloud connected without the certificate Mosquitto requires")
		}
	}
	c, err := cloud.Start(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer within(t, time.Minute, "cloud.Close", func() { c.Close() })

	path := capturetest.Path(t, "modbus/iti_ModbusTCP.pcap")
	deliver(t, c, link, path)
	flows, err := c.Store.Flows(ctx, "acme", store.FlowQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	want := offlineFlows(t, []string{path})
	got := map[convKey][2]uint64{}
	for _, f := range flows {
		proto := map[uint8]string{6: "tcp", 17: "udp"}[f.Proto]
		k := keyOf(proto, f.SrcIP.String(), int(f.SrcPort), f.DstIP.String(), int(f.DstPort))
		v := got[k]
		got[k] = [2]uint64{v[0] + f.SrcPackets + f.DstPackets, v[1] + f.SrcBytes + f.DstBytes}
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("conversation %v via Mosquitto: stored %v, analyze %v", k, got[k], w)
		}
	}
}

// deliver replays the capture at path through sensor s1 connected as link
// says (its broker, CA and certificate) and waits until the cloud c has
// ingested every batch the sensor sealed.
func deliver(t *testing.T, c *cloud.Cloud, link sensor.Config, path string) {
	t.Helper()
	brokerURL := link.Broker
	s, err := sensor.Start(t.Context(), sensor.Config{
		Tenant: "acme", ID: "s1", DataDir: t.TempDir(), Password: sensorSecret,
		Broker: link.Broker, BrokerCA: link.BrokerCA, BrokerCert: link.BrokerCert, BrokerKey: link.BrokerKey,
		Sources: []sensor.Source{{Name: "replay", Open: func() (capture.Source, error) { return capture.OpenFile(path) }}},
		Logger:  quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer within(t, time.Minute, "sensor.Stop", s.Stop)
	waitDelivered(t, c, s, brokerURL)
}

// waitDelivered waits until sensor s has replayed its sources and the
// cloud c has ingested every batch it sealed, sent through brokerURL.
func waitDelivered(t *testing.T, c *cloud.Cloud, s *sensor.Sensor, brokerURL string) {
	t.Helper()
	select {
	case <-s.Drained():
	case <-time.After(60 * time.Second):
		t.Fatalf("sensor did not finish replaying; tree %+v\n%s", s.Tree(), projectStacks())
	}
	sealed, _, _ := s.Sealed()
	deadline := time.Now().Add(60 * time.Second)
	for c.Ingest.Stats().Ingested < sealed || s.Uplink().Backlog > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("through %s the cloud ingested %+v of %d sealed batches; uplink %+v", brokerURL, c.Ingest.Stats(), sealed, s.Uplink())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
