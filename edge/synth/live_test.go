package synth

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"mimamori/edge/capture"
	"mimamori/edge/synth/netns"
)

// pair makes a private namespace with a veth pair for one test, removed
// when the test ends, or skips the test where that is impossible.
func pair(t *testing.T) *netns.Pair {
	t.Helper()
	if err := netns.Available(); err != nil {
		t.Skipf("live transmission test skipped: %v", err)
	}
	name := fmt.Sprintf("mimamori-synth-%d", os.Getpid())
	p, err := netns.New(name, "msa", "msb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// TestLiveVeth sends a plant with attacks, in loopback mode, from one end
// of a veth pair in a private namespace and captures it on the other with
// the sensor's AF_PACKET source: every frame arrives, byte for byte.
func TestLiveVeth(t *testing.T) {
	p := pair(t)
	var tx *Transmitter
	var rx capture.Source
	if err := p.Do(func() error {
		var err error
		if tx, err = OpenTransmitter(p.A); err != nil {
			return err
		}
		rx, err = capture.OpenLive(p.B, capture.LiveOptions{PollInterval: 100 * time.Millisecond})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	defer rx.Close()

	cfg := Config{Seed: 3, Cells: 1, Duration: 40 * time.Second, Loopback: true,
		Attacks: []Attack{{Kind: AttackPortScan, At: 10 * time.Second}, {Kind: AttackPLCStop, At: 20 * time.Second}}}
	// Send in chunks and read each back before the next, so the capture
	// socket's buffer never has to hold more than a chunk.
	const chunk = 500
	g := New(cfg)
	sent, got := 0, 0
	var pending [][]byte
	for done := false; !done; {
		pending = pending[:0]
		for len(pending) < chunk {
			f, _, ok := g.Next()
			if !ok {
				done = true
				break
			}
			if err := tx.Send(f); err != nil {
				t.Fatal(err)
			}
			pending = append(pending, append([]byte(nil), f...))
		}
		sent += len(pending)
		for _, want := range pending {
			data, _, _, err := rx.ReadPacket()
			if err != nil {
				t.Fatalf("after %d of %d frames: %v", got, sent, err)
			}
			if string(data) != string(want) {
				t.Fatalf("frame %d differs:\n% x\n% x", got, data, want)
			}
			got++
		}
	}
	if got < 5000 || tx.Sent().Frames != uint64(sent) || rx.Drops() != 0 {
		t.Fatalf("sent %d (counted %d), captured %d, kernel drops %d", sent, tx.Sent().Frames, got, rx.Drops())
	}
	if _, _, _, err := rx.ReadPacket(); !errors.Is(err, capture.ErrTimeout) {
		t.Fatalf("a frame nobody sent arrived: %v", err)
	}
}

// TestIsolation: the transmitter refuses the host namespace, frames that
// leave 127/8, and a namespace holding anything but the veth pair.
func TestIsolation(t *testing.T) {
	if err := Isolated("lo"); !errors.Is(err, ErrNotIsolated) {
		t.Errorf("loopback in this namespace: %v", err)
	}
	if _, err := OpenTransmitter("lo"); !errors.Is(err, ErrNotIsolated) {
		t.Errorf("transmitter on lo: %v", err)
	}
	p := pair(t)
	if err := Isolated(p.A); !errors.Is(err, ErrNotIsolated) {
		t.Errorf("veth seen from the host namespace: %v", err)
	}
	var tx *Transmitter
	if err := p.Do(func() error {
		if err := Isolated("lo"); !errors.Is(err, ErrNotIsolated) {
			return fmt.Errorf("loopback accepted: %v", err)
		}
		var err error
		tx, err = OpenTransmitter(p.A)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	f, _, _ := New(Config{Seed: 1, Cells: 1, Duration: time.Second}).Next()
	if err := tx.Send(f); !errors.Is(err, ErrNotLoopback) {
		t.Errorf("a frame to 192.168/16 was sent: %v", err)
	}
	// Anything else in the namespace might lead outside: a bridge, and
	// then the veth enslaved to it.
	ip, _ := exec.LookPath("ip")
	if out, err := exec.Command(ip, "-n", p.Name, "link", "add", "mbr0", "type", "bridge").CombinedOutput(); err != nil {
		t.Skipf("cannot add a bridge here: %v %s", err, out)
	}
	if err := p.Do(func() error { return Isolated(p.A) }); !errors.Is(err, ErrNotIsolated) {
		t.Errorf("a namespace with a bridge accepted: %v", err)
	}
	if out, err := exec.Command(ip, "-n", p.Name, "link", "set", p.B, "master", "mbr0").CombinedOutput(); err != nil {
		t.Fatalf("enslave: %v %s", err, out)
	}
	if err := p.Do(func() error { return Isolated(p.A) }); !errors.Is(err, ErrNotIsolated) {
		t.Errorf("a veth whose peer is bridged accepted: %v", err)
	}
}
