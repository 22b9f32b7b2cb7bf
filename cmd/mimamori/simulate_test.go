package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimamori/edge/capture"
	"mimamori/edge/synth"
	"mimamori/edge/synth/netns"
)

func TestSimulateWritesCaptureAndLabels(t *testing.T) {
	for _, pcapng := range []bool{false, true} {
		dir := t.TempDir()
		out := filepath.Join(dir, "plant.pcap")
		args := []string{"--out", out, "--minutes", "1.5", "--devices", "40", "--seed", "7",
			"--attacks", "plc-stop:fins@30s,port-scan@50s,flood@60s+5s"}
		if pcapng {
			out = filepath.Join(dir, "plant.pcapng")
			args = append(args, "--pcapng")
			args[1] = out
		}
		var stderr bytes.Buffer
		if err := simulate(context.Background(), args, &stderr); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		src, err := capture.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			if _, _, _, err := src.ReadPacket(); err != nil {
				break
			}
			n++
		}
		src.Close()
		f, err := os.Open(filepath.Join(dir, "plant.labels.json"))
		if err != nil {
			t.Fatal(err)
		}
		lf, err := synth.ReadLabelFile(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if lf.Schema != synth.LabelSchema || lf.Capture.Packets != int64(n) || n < 10000 {
			t.Errorf("labels say %d packets (schema %q), the capture has %d", lf.Capture.Packets, lf.Schema, n)
		}
		if len(lf.Hosts) < 40 || len(lf.Attacks) != 3 || lf.Plant == nil || lf.Plant.Devices != 40 {
			t.Errorf("%d hosts, %d attacks, plant %+v", len(lf.Hosts), len(lf.Attacks), lf.Plant)
		}
		kinds := map[synth.AttackKind]bool{}
		for _, a := range lf.Attacks {
			kinds[a.Kind] = a.Emitted && a.Packets > 0
		}
		if !kinds[synth.AttackPLCStop] || !kinds[synth.AttackPortScan] || !kinds[synth.AttackFlood] {
			t.Errorf("attacks %+v", lf.Attacks)
		}
		if lf.Attacks[0].Protocol != "fins" || lf.Attacks[0].Code != 0x0402 {
			t.Errorf("plc-stop:fins labelled %s %#x", lf.Attacks[0].Protocol, lf.Attacks[0].Code)
		}
		if !strings.Contains(stderr.String(), "measured:") {
			t.Errorf("no summary:\n%s", stderr.String())
		}
	}
}

func TestSimulateRefuses(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
	}{
		{"no output", []string{"--minutes", "1"}},
		{"bad attack", []string{"--out", filepath.Join(dir, "a.pcap"), "--attacks", "teleport"}},
		{"bad rate", []string{"--out", filepath.Join(dir, "a.pcap"), "--bps", "fast"}},
		{"tiny plant", []string{"--out", filepath.Join(dir, "a.pcap"), "--devices", "3"}},
		{"overdetermined", []string{"--out", filepath.Join(dir, "a.pcap"), "--ot-share", "0.5", "--bps", "10M", "--mean-frame", "300"}},
		// The host namespace's loopback is never a place to send to.
		{"live on lo", []string{"--live", "lo", "--minutes", "0.1"}},
		{"stray argument", []string{"--out", filepath.Join(dir, "a.pcap"), "extra"}},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		err := simulate(context.Background(), tt.args, &stderr)
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
		if tt.name == "live on lo" && !errors.Is(err, synth.ErrNotIsolated) {
			t.Errorf("live on lo: %v, want ErrNotIsolated", err)
		}
	}
	var stderr bytes.Buffer
	if err := simulate(context.Background(), []string{"-h"}, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"1500": 1500, "20k": 20e3, "50M": 50e6, "1G": 1e9, "2.5m": 2.5e6} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("%s: %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "M", "-5M", "x"} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestSimulateLive sends a short plant onto a veth pair inside a private
// namespace made for the test and captures it on the other end.
func TestSimulateLive(t *testing.T) {
	if err := netns.Available(); err != nil {
		t.Skipf("live simulate test skipped: %v", err)
	}
	p, err := netns.New(fmt.Sprintf("mimamori-sim-%d", os.Getpid()), "msima", "msimb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	var rx capture.Source
	if err := p.Do(func() error {
		var err error
		rx, err = capture.OpenLive(p.B, capture.LiveOptions{PollInterval: 100 * time.Millisecond})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	// Capture while simulate sends, until the link has been quiet for a
	// poll interval after it finished.
	sent := make(chan struct{})
	counted := make(chan int, 1)
	outside := make(chan []byte, 1)
	go func() {
		got, finished := 0, false
		for {
			data, _, _, err := rx.ReadPacket()
			if errors.Is(err, capture.ErrTimeout) {
				if finished {
					counted <- got
					return
				}
				select {
				case <-sent:
					finished = true
				default:
				}
				continue
			}
			if err != nil {
				counted <- got
				return
			}
			if synth.CheckLoopback(data) != nil {
				select {
				case outside <- append([]byte(nil), data...):
				default:
				}
			}
			got++
		}
	}()
	dir := t.TempDir()
	var stderr bytes.Buffer
	err = p.Do(func() error {
		return simulate(context.Background(), []string{"--live", p.A, "--speed", "20", "--minutes", "0.5",
			"--devices", "40", "--labels", filepath.Join(dir, "live.labels.json")}, &stderr)
	})
	close(sent)
	got := <-counted
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	select {
	case data := <-outside:
		t.Fatalf("a frame outside 127/8 arrived: % x", data[:min(len(data), 34)])
	default:
	}
	f, err := os.Open(filepath.Join(dir, "live.labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lf, err := synth.ReadLabelFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if got == 0 || int64(got) != lf.Capture.Packets || !lf.Generator.Loopback || lf.Capture.Interface != p.A {
		t.Fatalf("captured %d, labels %+v / %+v", got, lf.Capture, lf.Generator)
	}
}
