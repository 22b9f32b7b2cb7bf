//go:build linux

package capture

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestReinsertVLAN checks that a tag the NIC stripped is put back between
// the MAC addresses and the EtherType.
func TestReinsertVLAN(t *testing.T) {
	frame, _ := hex.DecodeString("001122334455" + "66778899aabb" + "0800" + "4500")
	s := &liveSource{buf: make([]byte, vlanRoom+len(frame))}
	copy(s.buf[vlanRoom:], frame)
	tests := []struct {
		name string
		aux  unix.TpacketAuxdata
		want string
	}{
		{"default_tpid", unix.TpacketAuxdata{Status: unix.TP_STATUS_VLAN_VALID, Vlan_tci: 0x2064}, "8100" + "2064"},
		{"qinq_tpid", unix.TpacketAuxdata{Status: unix.TP_STATUS_VLAN_VALID | unix.TP_STATUS_VLAN_TPID_VALID, Vlan_tci: 0x00c8, Vlan_tpid: 0x88a8}, "88a8" + "00c8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			copy(s.buf[vlanRoom:], frame)
			got := s.reinsertVLAN(s.buf[vlanRoom:], &tt.aux)
			want, _ := hex.DecodeString("001122334455" + "66778899aabb" + tt.want + "0800" + "4500")
			if !bytes.Equal(got, want) {
				t.Errorf("got  %x\nwant %x", got, want)
			}
		})
	}
}

// TestLiveLoopback captures a UDP datagram sent to 127.0.0.1, through the
// receive ring and through recvmsg. It needs CAP_NET_RAW and skips
// without it.
func TestLiveLoopback(t *testing.T) {
	for _, ring := range []bool{true, false} {
		name := "recvmsg"
		if ring {
			name = "ring"
		}
		t.Run(name, func(t *testing.T) { testLiveLoopback(t, ring) })
	}
}

func testLiveLoopback(t *testing.T, ring bool) {
	src, err := OpenLive("lo", LiveOptions{PollInterval: 50 * time.Millisecond, DisableRing: !ring, BufferBytes: 4 << 20})
	if err != nil {
		t.Skipf("cannot capture on lo here (needs CAP_NET_RAW, i.e. root): %v", err)
	}
	defer src.Close()
	if got := src.(*liveSource).ring != nil; got != ring {
		t.Fatalf("ring in use: %v, want %v", got, ring)
	}
	if src.Name() != "lo" {
		t.Errorf("Name = %q", src.Name())
	}

	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	marker := []byte("mimamori-live-capture-test")
	sent := time.Now()
	if _, err := tx.Write(marker); err != nil {
		t.Fatal(err)
	}

	seen := 0
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		data, ci, link, err := src.ReadPacket()
		if errors.Is(err, ErrTimeout) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, marker) {
			continue
		}
		seen++
		if link != 1 {
			t.Errorf("link type %v, want Ethernet", link)
		}
		// 14 Ethernet + 20 IPv4 + 8 UDP + payload.
		if want := 14 + 20 + 8 + len(marker); ci.Length != want || ci.CaptureLength != want || len(data) != want {
			t.Errorf("lengths %d/%d/%d, want %d", len(data), ci.CaptureLength, ci.Length, want)
		}
		if d := ci.Timestamp.Sub(sent); d < -time.Second || d > 5*time.Second {
			t.Errorf("timestamp %v is %v from the send time", ci.Timestamp, d)
		}
		// Keep reading briefly: the outgoing copy must have been suppressed.
		deadline = time.Now().Add(200 * time.Millisecond)
	}
	if seen != 1 {
		t.Fatalf("saw the datagram %d times, want exactly once", seen)
	}
	_ = src.Drops()

	// An idle poll returns ErrTimeout rather than blocking.
	start := time.Now()
	for {
		_, _, _, err := src.ReadPacket()
		if errors.Is(err, ErrTimeout) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 5*time.Second {
			t.Skip("loopback too busy to observe an idle poll")
		}
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := src.ReadPacket(); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadPacket after Close: %v", err)
	}
}
