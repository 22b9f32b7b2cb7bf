package broker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"mimamori/cloud/broker"
	"mimamori/cloud/ingest"
	"mimamori/cloud/store"
	"mimamori/cloud/store/sqlite"
	"mimamori/edge/spool"
	"mimamori/edge/tlsconf"
	"mimamori/edge/tlsconf/tlstest"
	"mimamori/edge/uplink"
	"mimamori/edge/wire"
	"mimamori/edge/wire/wirepb"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var creds = []broker.Credential{
	{Tenant: "acme", Sensor: "s1", Username: "s1", Password: "secret-one-111"},
	{Tenant: "acme", Sensor: "s2", Username: "s2", Password: "secret-two-222"},
}

func newService(t *testing.T) (*ingest.Service, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := ingest.Start(context.Background(), ingest.Config{
		Store:   st,
		Tenants: []ingest.Tenant{{ID: "acme", Sensors: []ingest.Sensor{{ID: "s1"}, {ID: "s2"}}}},
		Logger:  quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	return svc, st
}

func isRejected(err error) bool { return errors.Is(err, ingest.ErrRejected) }

func startBroker(t *testing.T, listen string, ing broker.Ingester) *broker.Broker {
	t.Helper()
	b, err := broker.Start(broker.Config{Listen: listen, Credentials: creds, Ingester: ing, IsPermanent: isRejected, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func payload(t *testing.T, sensor string, seq uint64) []byte {
	t.Helper()
	c, _ := wire.NewCodec()
	p, err := c.Encode(&wirepb.Batch{Tenant: "acme", Sensor: sensor, Seq: seq, Minute: 1795000000 + int64(seq)*60,
		Flows: []*wirepb.Flow{{IpProto: 17, SrcIp: []byte{10, 0, 0, 1}, SrcPort: 1000 + uint32(seq), DstIp: []byte{10, 0, 0, 2}, DstPort: 9600, SrcPackets: 1, SrcBytes: 60}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func connect(t *testing.T, url, user, pass string) (paho.Client, error) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("test-" + user).
		SetUsername(user).SetPassword(pass).SetAutoReconnect(false))
	tok := c.Connect()
	if !tok.WaitTimeout(5 * time.Second) {
		return nil, errors.New("connect timed out")
	}
	if tok.Error() == nil {
		t.Cleanup(func() { c.Disconnect(0) })
	}
	return c, tok.Error()
}

func TestAuthentication(t *testing.T) {
	svc, _ := newService(t)
	b := startBroker(t, "127.0.0.1:0", svc)
	defer b.Close()
	cases := []struct {
		user, pass string
		ok         bool
	}{
		{"s1", "secret-one-111", true},
		{"s1", "secret-two-222", false},
		{"nobody", "secret-one-111", false},
		{"", "", false},
	}
	for _, tc := range cases {
		_, err := connect(t, b.URL(), tc.user, tc.pass)
		if (err == nil) != tc.ok {
			t.Errorf("connect as %q/%q: err = %v, want ok=%v", tc.user, tc.pass, err, tc.ok)
		}
	}
}

func TestSensorMayPublishOnlyItsOwnBatches(t *testing.T) {
	svc, st := newService(t)
	b := startBroker(t, "127.0.0.1:0", svc)
	defer b.Close()
	c, err := connect(t, b.URL(), "s1", "secret-one-111")
	if err != nil {
		t.Fatal(err)
	}
	tok := c.Publish(wire.BatchTopic("acme", "s1"), 1, false, payload(t, "s1", 1))
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("own topic: %v", tok.Error())
	}
	// A forged batch for another sensor: MQTT 3.1.1 has no negative PUBACK,
	// so the broker drops the connection instead.
	tok = c.Publish(wire.BatchTopic("acme", "s2"), 1, false, payload(t, "s2", 1))
	tok.WaitTimeout(2 * time.Second)
	time.Sleep(200 * time.Millisecond)
	if c.IsConnectionOpen() {
		t.Error("the broker kept a sensor connected after it published to another sensor's topic")
	}
	flows, err := st.Flows(context.Background(), "acme", store.FlowQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 1 || flows[0].Sensor != "s1" {
		t.Fatalf("stored flows %+v, want only s1's", flows)
	}
	if got := svc.Stats().Ingested; got != 1 {
		t.Errorf("ingested %d batches, want 1", got)
	}
}

// flaky fails the first n ingests transiently, as a busy database would,
// and records the order in which batches were stored.
type flaky struct {
	next  broker.Ingester
	n     atomic.Int32
	codec *wire.Codec
	mu    sync.Mutex
	order []uint64
}

func (f *flaky) Ingest(ctx context.Context, topic string, p []byte) error {
	if f.n.Add(-1) >= 0 {
		return errors.New("database is locked")
	}
	err := f.next.Ingest(ctx, topic, p)
	if b, derr := f.codec.Decode(p); err == nil && derr == nil {
		f.mu.Lock()
		f.order = append(f.order, b.Seq)
		f.mu.Unlock()
	}
	return err
}

// runUplink runs sensor s1's uplink to the broker at addr with password,
// on a fresh spool, until the test ends.
func runUplink(t *testing.T, addr, password string, logger *slog.Logger) (*uplink.Uplink, *spool.Spool) {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := uplink.New(uplink.Config{
		Broker: "tcp://" + addr, ClientID: "sensor-acme-s1", Username: "s1", Password: password,
		Topic: wire.BatchTopic("acme", "s1"), PublishTimeout: time.Second, Logger: logger,
	}, sp)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); u.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return u, sp
}

// The uplink drains its spool in order, keeps batches through a broker
// outage and a transient ingest failure, and the cloud stores each once.
func TestUplinkSurvivesOutagesInOrder(t *testing.T) {
	svc, st := newService(t)
	codec, _ := wire.NewCodec()
	ing := &flaky{next: svc, codec: codec}
	ing.n.Store(1)
	b := startBroker(t, "127.0.0.1:0", ing)
	addr := b.Addr()

	u, sp := runUplink(t, addr, "secret-one-111", quiet())
	put := func(from, to uint64) {
		for seq := from; seq <= to; seq++ {
			if err := sp.Put(seq, payload(t, "s1", seq)); err != nil {
				t.Fatal(err)
			}
		}
		u.Notify()
	}
	waitStored := func(n uint64) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for svc.Stats().Ingested < n {
			if time.Now().After(deadline) {
				t.Fatalf("ingested %+v, want %d; uplink %+v", svc.Stats(), n, u.Status())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	put(1, 3)
	waitStored(3) // the first attempt failed transiently and was resent
	// Stored is not yet acknowledged: closing before the last PUBACK
	// arrives would leave batch 3 in the spool too.
	waitFor(t, "batches 1 to 3 acknowledged", func() bool { st := u.Status(); return st.Backlog == 0 && st.LastSeq == 3 })

	b.Close() // the cloud goes away; batches pile up in the spool
	put(4, 6)
	waitFor(t, "three batches waiting during the outage", func() bool { return u.Status().Backlog == 3 })
	b = startBroker(t, addr, ing)
	defer b.Close()
	waitStored(6)

	waitFor(t, "an empty spool after recovery", func() bool { st := u.Status(); return st.Backlog == 0 && st.LastSeq == 6 })
	flows, err := st.Flows(context.Background(), "acme", store.FlowQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 6 {
		t.Fatalf("stored %d flows, want 6 (one per batch, none twice)", len(flows))
	}
	ing.mu.Lock()
	order := ing.order
	ing.mu.Unlock()
	// A publish whose PUBACK was withheld stays in paho's session and is
	// resent after the reconnect: at-least-once delivery, which the store's
	// batch key turns into exactly-once. Order is about first arrivals.
	seen := map[uint64]bool{}
	var first []uint64
	for _, seq := range order {
		if !seen[seq] {
			seen[seq] = true
			first = append(first, seq)
		}
	}
	for i, seq := range first {
		if seq != uint64(i+1) {
			t.Errorf("batches first stored in order %v, want 1..6", first)
			break
		}
	}
	sensors, _ := st.Sensors(context.Background(), "acme")
	for _, s := range sensors {
		if s.ID == "s1" && (s.Batches != 6 || s.LastSeq != 6) {
			t.Errorf("sensor s1 = %+v", s)
		}
	}
}

// records keeps the records logged at Info and above, for tests of what
// an actor says.
type records struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *records) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.recs = append(r.recs, rec)
	r.mu.Unlock()
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

// said returns the messages logged at level l.
func (r *records) said(l slog.Level) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rec := range r.recs {
		if rec.Level == l {
			out = append(out, rec.Message)
		}
	}
	return out
}

// A sensor that starts before its broker, as one does after an outage of
// the cloud, waits for it without calling that a publish failure: it says
// once that batches wait in the spool, warns once why it cannot connect
// however often it retries, and delivers them when the broker comes.
func TestUplinkWaitsForBroker(t *testing.T) {
	svc, _ := newService(t)
	b := startBroker(t, "127.0.0.1:0", svc)
	addr := b.Addr()
	b.Close() // the address is known and nothing listens there yet

	log := &records{}
	u, sp := runUplink(t, addr, "secret-one-111", slog.New(log))
	if err := sp.Put(1, payload(t, "s1", 1)); err != nil {
		t.Fatal(err)
	}
	u.Notify()

	// Batches sealed meanwhile wake the pump; it goes on waiting, and the
	// client retries every 2 s.
	for seq := uint64(2); seq <= 4; seq++ {
		time.Sleep(1500 * time.Millisecond)
		if err := sp.Put(seq, payload(t, "s1", seq)); err != nil {
			t.Fatal(err)
		}
		u.Notify()
	}
	if st := u.Status(); st.Backlog != 4 || st.Failures != 0 || st.ConnectError == "" || st.Refused {
		t.Errorf("before the broker: %+v; want 4 batches waiting, no publish failure, and why it cannot connect", st)
	}
	b = startBroker(t, addr, svc)
	defer b.Close()
	waitFor(t, "every batch delivered", func() bool { return svc.Stats().Ingested == 4 && u.Status().Backlog == 0 })

	if w := log.said(slog.LevelWarn); len(w) != 1 || w[0] != "uplink: cannot connect to the broker; retrying" {
		t.Errorf("warnings while waiting for the broker: %q, want one saying it cannot connect", w)
	}
	if st := u.Status(); st.ConnectError != "" {
		t.Errorf("connected, the status still has a connect error: %q", st.ConnectError)
	}
	waited := 0
	for _, m := range log.said(slog.LevelInfo) {
		if m == "uplink: waiting for the broker; batches stay in the spool" {
			waited++
		}
	}
	if waited != 1 {
		t.Errorf("said %d times that it waits for the broker, want once; info: %q", waited, log.said(slog.LevelInfo))
	}
}

// A sensor whose password the broker refuses says so, once however often
// it retries, as an error naming the credentials, and its status says it
// was refused: retrying will not mend it.
func TestUplinkRefusedCredentials(t *testing.T) {
	svc, _ := newService(t)
	b := startBroker(t, "127.0.0.1:0", svc)
	defer b.Close()
	log := &records{}
	u, sp := runUplink(t, b.Addr(), "not-the-password", slog.New(log))
	if err := sp.Put(1, payload(t, "s1", 1)); err != nil {
		t.Fatal(err)
	}
	u.Notify()

	waitFor(t, "the refusal in the status", func() bool { return u.Status().Refused })
	time.Sleep(4500 * time.Millisecond) // two more attempts, 2 s apart
	st := u.Status()
	if st.Connected || st.Backlog != 1 || st.ConnectError == "" {
		t.Errorf("status %+v, want the batch kept and the reason", st)
	}
	if e := log.said(slog.LevelError); len(e) != 1 || !strings.Contains(e[0], "refused the sensor's credentials") {
		t.Errorf("errors logged: %q, want one about the credentials", e)
	}
	if svc.Stats().Ingested != 0 {
		t.Errorf("ingested %+v with a wrong password", svc.Stats())
	}
}

// A sensor retrying with a wrong password and names that are no sensor's
// are logged once each, not at every attempt, and the broker's own lines
// say what happened without repeating the refusal or dumping packets.
func TestBrokerLogsStayReadable(t *testing.T) {
	svc, _ := newService(t)
	log := &records{}
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", Credentials: creds, Ingester: svc, IsPermanent: isRejected, Logger: slog.New(log)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, login := range [][2]string{{"s1", "wrong-password-1"}, {"s1", "wrong-password-2"}, {"s1", "wrong-password-3"}, {"admin", "admin"}, {"root", "root"}} {
		if _, err := connect(t, b.URL(), login[0], login[1]); err == nil {
			t.Fatalf("%s logged in with %q", login[0], login[1])
		}
	}
	// s1 publishing as s2: refused by the topic ACL.
	c, err := connect(t, b.URL(), "s1", "secret-one-111")
	if err != nil {
		t.Fatal(err)
	}
	c.Publish(wire.BatchTopic("acme", "s2"), 1, false, payload(t, "s2", 1)).WaitTimeout(2 * time.Second)
	// Scanners: connections that never log in are said once.
	for i := 0; i < 5; i++ {
		conn, err := net.Dial("tcp", b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		conn.Read(make([]byte, 1))
		conn.Close()
	}

	waitFor(t, "the refused publish logged", func() bool { return slices.Contains(log.said(slog.LevelWarn), "error processing packet") })
	// A connection is closed before the broker logs its end: wait for it.
	waitFor(t, "the connections without a login logged", func() bool {
		return slices.Contains(log.said(slog.LevelInfo), "broker: connection closed before logging in")
	})
	count := map[string]int{}
	for _, m := range log.said(slog.LevelWarn) {
		count[m]++
	}
	for _, m := range log.said(slog.LevelInfo) {
		count[m]++
	}
	if n := count["broker: connection closed before logging in"]; n != 1 {
		t.Errorf("5 connections without a login logged %d times, want once", n)
	}
	if count["broker: wrong sensor password"] != 1 || count["broker: unknown sensor login"] != 1 || count[""] != 0 {
		t.Errorf("warnings %v, want each refusal once and none without a message", count)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, rec := range log.recs {
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "pk" {
				t.Errorf("%q dumps the packet", rec.Message)
			}
			return true
		})
	}
}

// waitFor polls cond for up to 30 s: the machine may be busy, and only the
// outcome matters here, not how fast it came.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSilentConnections: a connection that sends no CONNECT (a port scan,
// a link that died in the handshake) is closed after ConnectTimeout, and
// never keeps Close waiting, nor does a sensor still logged in.
func TestSilentConnections(t *testing.T) {
	svc, _ := newService(t)
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", Credentials: creds, Ingester: svc,
		IsPermanent: isRejected, ConnectTimeout: 300 * time.Millisecond, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			b.Close()
		}
	}()

	// Dropped after the timeout: the read sees the end of the stream.
	early, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	early.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if n, err := early.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a connection without CONNECT was kept %s (read %d, %v)", time.Since(start), n, err)
	}

	// A sensor that logged in is held to its keep-alive instead.
	c, err := connect(t, b.URL(), "s1", "secret-one-111")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * 300 * time.Millisecond)
	if tok := c.Publish(wire.BatchTopic("acme", "s1"), 1, false, payload(t, "s1", 1)); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("a logged-in sensor lost its connection after the CONNECT timeout: %v", tok.Error())
	}
	c.Disconnect(0)
	b.Close()
	closed = true

	// Close with a silent connection and a logged-in sensor open, on a
	// broker that would wait for CONNECT for the default 30 s.
	b = startBroker(t, "127.0.0.1:0", svc)
	closed = false
	silent, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if _, err := connect(t, b.URL(), "s1", "secret-one-111"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		b.Close()
		close(done)
	}()
	select {
	case <-done:
		closed = true
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits on a connection that sent no CONNECT")
	}
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := silent.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the silent connection is still open after Close: %v", err)
	}
}

// TestUplinkDropsOversizeBatches: a batch larger than the broker takes is
// dropped, said and counted, instead of blocking the batches behind it.
func TestUplinkDropsOversizeBatches(t *testing.T) {
	svc, _ := newService(t)
	b := startBroker(t, "127.0.0.1:0", svc)
	defer b.Close()
	sp, err := spool.Open(t.TempDir(), spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	small := payload(t, "s1", 1)
	for seq, p := range map[uint64][]byte{1: small, 2: make([]byte, len(small)+1024), 3: payload(t, "s1", 3)} {
		if err := sp.Put(seq, p); err != nil {
			t.Fatal(err)
		}
	}
	logs := &records{}
	u := uplink.New(uplink.Config{
		Broker: b.URL(), ClientID: "sensor-acme-s1", Username: "s1", Password: "secret-one-111",
		Topic: wire.BatchTopic("acme", "s1"), PublishTimeout: time.Second, MaxPayload: len(small) + 512,
		Logger: slog.New(logs),
	}, sp)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); u.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "batches 1 and 3 stored, 2 dropped", func() bool {
		st := u.Status()
		return svc.Stats().Ingested == 2 && st.Backlog == 0 && st.Oversize == 1
	})
	if said := logs.said(slog.LevelError); len(said) != 1 || !strings.Contains(said[0], "too large") {
		t.Errorf("errors logged: %q; want one saying the batch was too large", said)
	}
}

// TestFirstPacketBounded: a connection's first packet must be a CONNECT
// of at most 64 KiB; one announcing more, or another packet, is closed at
// once, before anything is allocated for it. A sensor logged in may
// announce no more than a batch's largest packet (wire.MaxPacket).
func TestFirstPacketBounded(t *testing.T) {
	svc, _ := newService(t)
	b := startBroker(t, "127.0.0.1:0", svc)
	defer b.Close()
	closedSoon := func(what string, conn net.Conn) {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			_, err := conn.Read(make([]byte, 64))
			if err == nil {
				continue // a CONNACK or DISCONNECT before the end
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("%s: the connection is still open", what)
			}
			return
		}
	}
	for _, tc := range []struct {
		name string
		head []byte
	}{
		{"a CONNECT announcing 256 MiB", []byte{0x10, 0xff, 0xff, 0xff, 0x7f}},
		{"a CONNECT announcing 64 KiB + 1", []byte{0x10, 0x81, 0x80, 0x04}},
		{"a PUBLISH first", []byte{0x30, 0x05, 0, 1, 'a', 'x', 'y'}},
		{"five length bytes", []byte{0x10, 0x80, 0x80, 0x80, 0x80, 0x01}},
	} {
		conn, err := net.Dial("tcp", b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(tc.head); err != nil {
			t.Fatal(err)
		}
		closedSoon(tc.name, conn)
		conn.Close()
	}

	// Logged in, a PUBLISH announcing more than wire.MaxPacket is refused.
	conn, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write(connectPacket("probe-1", "s1", "secret-one-111"))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	ack := make([]byte, 4)
	if _, err := io.ReadFull(conn, ack); err != nil || ack[0] != 0x20 || ack[3] != 0 {
		t.Fatalf("CONNACK %x, %v", ack, err)
	}
	n := wire.MaxPacket + 1
	conn.Write([]byte{0x32, byte(n&0x7f | 0x80), byte(n>>7&0x7f | 0x80), byte(n>>14&0x7f | 0x80), byte(n >> 21)})
	closedSoon("a PUBLISH announcing wire.MaxPacket + 1", conn)
}

// connectPacket is an MQTT 3.1.1 CONNECT with a user name and password.
func connectPacket(clientID, user, pass string) []byte {
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	var body []byte
	body = append(body, str("MQTT")...)
	body = append(body, 4, 0xc2, 0, 30) // level 4; user name, password, clean session; keep-alive 30 s
	body = append(body, str(clientID)...)
	body = append(body, str(user)...)
	body = append(body, str(pass)...)
	return append([]byte{0x10, byte(len(body))}, body...)
}

// TestTLS: with a certificate the broker serves TLS only; a sensor that
// trusts the broker's CA delivers its batches, one that trusts another CA
// is told why it cannot connect, and a client without TLS gets nowhere.
func TestTLS(t *testing.T) {
	svc, _ := newService(t)
	ca := tlstest.NewCA(t, "Mimamori test CA")
	files := ca.Issue(t, t.TempDir(), "127.0.0.1", "localhost")
	serverTLS, err := tlsconf.Server(files.Cert, files.Key, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", TLS: serverTLS, Credentials: creds, Ingester: svc,
		IsPermanent: isRejected, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !strings.HasPrefix(b.URL(), "ssl://") {
		t.Fatalf("URL %s, want ssl://", b.URL())
	}

	uplinkTo := func(caFile string) (*uplink.Uplink, *spool.Spool) {
		sp, err := spool.Open(t.TempDir(), spool.Options{})
		if err != nil {
			t.Fatal(err)
		}
		clientTLS, err := tlsconf.Client(caFile)
		if err != nil {
			t.Fatal(err)
		}
		u := uplink.New(uplink.Config{
			Broker: b.URL(), TLS: clientTLS, ClientID: "sensor-acme-s1", Username: "s1", Password: "secret-one-111",
			Topic: wire.BatchTopic("acme", "s1"), PublishTimeout: time.Second, Logger: quiet(),
		}, sp)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); u.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		return u, sp
	}

	stranger, _ := uplinkTo(tlstest.NewCA(t, "another CA").Issue(t, t.TempDir(), "127.0.0.1").CA)
	waitFor(t, "a certificate error for a sensor trusting another CA", func() bool {
		return strings.Contains(stranger.Status().ConnectError, "certificate")
	})

	u, sp := uplinkTo(files.CA)
	for seq := uint64(1); seq <= 2; seq++ {
		if err := sp.Put(seq, payload(t, "s1", seq)); err != nil {
			t.Fatal(err)
		}
	}
	u.Notify()
	waitFor(t, "two batches over TLS", func() bool { return svc.Stats().Ingested == 2 && u.Status().Backlog == 0 })

	plainURL := "tcp://" + b.Addr()
	if c, err := connect(t, plainURL, "s2", "secret-two-222"); err == nil {
		c.Disconnect(0)
		t.Fatal("a client without TLS connected to the TLS listener")
	}
}

// TestClientCertificates: with a client CA, a sensor may log in with a
// certificate naming it, without a password if it has none; a certificate
// naming another sensor, one of another CA, or none for a sensor that has
// no password, gets nowhere; passwords still work for the others.
func TestClientCertificates(t *testing.T) {
	svc, _ := newService(t)
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "Mimamori sensors CA")
	server := ca.Issue(t, dir, "127.0.0.1")
	serverTLS, err := tlsconf.Server(server.Cert, server.Key, server.CA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", TLS: serverTLS, Ingester: svc, IsPermanent: isRejected, Logger: quiet(),
		Credentials: []broker.Credential{
			{Tenant: "acme", Sensor: "s1", Username: "s1", Password: "secret-one-111"},
			{Tenant: "acme", Sensor: "s2", Username: "s2"}, // a certificate only
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	certOf := func(ca *tlstest.CA, name string) tlstest.Files {
		return ca.Client(t, t.TempDir(), name)
	}
	s2 := certOf(ca, "s2")
	s1 := certOf(ca, "s1")
	stranger := certOf(tlstest.NewCA(t, "another CA"), "s2")
	login := func(user, pass string, cert *tlstest.Files) error {
		cfg, err := tlsconf.Client(server.CA)
		if cert != nil {
			cfg, err = tlsconf.ClientWithCertificate(server.CA, cert.Cert, cert.Key)
		}
		if err != nil {
			t.Fatal(err)
		}
		c := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetTLSConfig(cfg).SetClientID("test-" + user).
			SetUsername(user).SetPassword(pass).SetAutoReconnect(false).SetProtocolVersion(4))
		tok := c.Connect()
		if !tok.WaitTimeout(5 * time.Second) {
			return errors.New("connect timed out")
		}
		if tok.Error() != nil {
			return tok.Error()
		}
		defer c.Disconnect(0)
		if p := c.Publish(wire.BatchTopic("acme", user), 1, false, payload(t, user, 1)); !p.WaitTimeout(5*time.Second) || p.Error() != nil {
			return fmt.Errorf("publish: %v", p.Error())
		}
		return nil
	}
	for _, tc := range []struct {
		name       string
		user, pass string
		cert       *tlstest.Files
		ok         bool
	}{
		{"certificate only", "s2", "", &s2, true},
		{"no certificate, no password", "s2", "", nil, false},
		{"a guessed password for a certificate-only sensor", "s2", "secret-one-111", nil, false},
		{"another sensor's certificate", "s2", "", &s1, false},
		{"a certificate of another CA", "s2", "", &stranger, false},
		{"password, no certificate", "s1", "secret-one-111", nil, true},
		{"its certificate and a wrong password", "s1", "wrong", &s1, true},
		{"another sensor's certificate with the right password", "s1", "secret-one-111", &s2, false},
	} {
		if err := login(tc.user, tc.pass, tc.cert); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want success %v", tc.name, err, tc.ok)
		}
	}
	if got := svc.Stats().Ingested; got != 2 {
		t.Errorf("ingested %d batches, want 2", got)
	}
	waitFor(t, "s2 known as gone, after a login over TLS with its certificate", func() bool {
		l, ok := linkOf(b, "s2")
		return ok && !l.Connected && l.TLS && l.Certificate
	})
}

// linkOf is sensor's link in b.Links().
func linkOf(b *broker.Broker, sensor string) (broker.Link, bool) {
	for _, l := range b.Links() {
		if l.Sensor == sensor {
			return l, true
		}
	}
	return broker.Link{}, false
}

// TestPlainListenerBesideTLS: a plain listener beside the TLS one serves
// sensors that log in with a password, not certificate-only ones.
func TestPlainListenerBesideTLS(t *testing.T) {
	svc, _ := newService(t)
	dir := t.TempDir()
	ca := tlstest.NewCA(t, "Mimamori test CA")
	server := ca.Issue(t, dir, "127.0.0.1")
	serverTLS, err := tlsconf.Server(server.Cert, server.Key, server.CA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", PlainListen: "127.0.0.1:0", Ingester: svc, Credentials: creds}); err == nil {
		t.Fatal("a plain listener beside no TLS one started")
	}
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", TLS: serverTLS, PlainListen: "127.0.0.1:0", Ingester: svc,
		IsPermanent: isRejected, Logger: quiet(), Credentials: []broker.Credential{
			{Tenant: "acme", Sensor: "s1", Username: "s1", Password: "secret-one-111"},
			{Tenant: "acme", Sensor: "s2", Username: "s2"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !strings.HasPrefix(b.URL(), "ssl://") || !strings.HasPrefix(b.PlainURL(), "tcp://") || b.PlainURL()[6:] == b.URL()[6:] {
		t.Fatalf("URLs %s and %s", b.URL(), b.PlainURL())
	}
	c, err := connect(t, b.PlainURL(), "s1", "secret-one-111")
	if err != nil {
		t.Fatalf("a password sensor on the plain listener: %v", err)
	}
	if p := c.Publish(wire.BatchTopic("acme", "s1"), 1, false, payload(t, "s1", 1)); !p.WaitTimeout(5*time.Second) || p.Error() != nil {
		t.Fatalf("publish on the plain listener: %v", p.Error())
	}
	if l, ok := linkOf(b, "s1"); !ok || !l.Connected || l.TLS || l.Certificate || l.Tenant != "acme" {
		t.Errorf("s1's link %+v, want connected without TLS, by password", l)
	}
	c.Disconnect(0)
	waitFor(t, "s1 known as gone", func() bool { l, _ := linkOf(b, "s1"); return !l.Connected })
	if _, err := connect(t, b.PlainURL(), "s2", ""); err == nil {
		t.Error("a certificate-only sensor logged in on the plain listener")
	}
	if svc.Stats().Ingested != 1 {
		t.Errorf("ingested %+v, want 1", svc.Stats())
	}
}

// TestConnectionLimit: beyond MaxConnections open at once, new connections
// are closed as they come; once some close, sensors get in again.
func TestConnectionLimit(t *testing.T) {
	svc, _ := newService(t)
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", Credentials: creds, Ingester: svc,
		IsPermanent: isRejected, MaxConnections: 2, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var held []net.Conn
	for i := 0; i < 2; i++ {
		conn, err := net.Dial("tcp", b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		held = append(held, conn)
	}
	time.Sleep(100 * time.Millisecond) // both accepted
	extra, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a third connection beyond a limit of 2 stayed open: %v", err)
	}
	if _, err := connect(t, b.URL(), "s1", "secret-one-111"); err == nil {
		t.Fatal("a sensor logged in beyond the limit")
	}
	held[0].Close()
	waitFor(t, "a sensor's login once a connection closed", func() bool {
		c, err := connect(t, b.URL(), "s1", "secret-one-111")
		if err == nil {
			c.Disconnect(0)
		}
		return err == nil
	})
}
