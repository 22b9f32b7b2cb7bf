package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"mimamori/edge/synth"
)

const simulateUsage = `Usage: mimamori simulate --out FILE [flags]
       ip netns exec NS mimamori simulate --live VETH [flags]

Generates the traffic of a synthetic factory (deterministic from --seed),
with attacks injected on demand, into a pcap/pcapng file, onto a veth
interface inside a private network namespace (every address moved into
127.0.0.0/8), or both. The ground truth (every host's vendor, OS and role,
every attack's time and endpoints) goes to a JSON file next to the capture;
docs/SIMULATOR.md describes it.

Attacks (--attacks, comma-separated, KIND[:PROTO][@AT][+DURATION], or "all"):
  new-device arp-spoof host-scan port-scan plc-stop plc-run plc-write
  program-download flood off-hours eol-os signature
  e.g. --attacks plc-stop:fins@2m,port-scan@5m,flood@8m+20s

Flags:
`

func runSimulate(ctx context.Context, args []string) error {
	return simulate(ctx, args, os.Stderr)
}

func simulate(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), simulateUsage)
		fs.PrintDefaults()
	}
	out := fs.String("out", "", "capture file to write (.pcap, or pcapng with --pcapng)")
	labels := fs.String("labels", "", "labels JSON file (default: the capture's name with .labels.json)")
	pcapng := fs.Bool("pcapng", false, "write pcapng instead of classic pcap")
	minutes := fs.Float64("minutes", 10, "length of the capture in minutes of traffic")
	warmup := fs.Duration("warmup", 0, "let the plant run this long before the capture starts (skips the boot: DHCP, first ARP, connections opening)")
	packets := fs.Int("packets", 0, "stop after this many packets (0: no limit)")
	devices := fs.Int("devices", 100, fmt.Sprintf("devices in the plant (at least %d)", synth.MinPlantDevices))
	conns := fs.Int("conns-per-min", 0, "new TCP connections and UDP flows per minute at full activity (default 2 per device)")
	bps := fs.String("bps", "", "mean traffic rate at full activity, e.g. 50M or 1G (default: what the plant gives)")
	otShare := fs.Float64("ot-share", 0, "share of frames that are OT protocols, 0..1 (default: what the plant gives)")
	meanFrame := fs.Float64("mean-frame", 0, "mean frame size in bytes (default: what the plant gives)")
	attacks := fs.String("attacks", "", "attacks to inject (see above)")
	seed := fs.Int64("seed", 1, "random seed; the same seed and start give the same bytes")
	start := fs.String("start", "", "start time, RFC 3339 (default 2025-04-01T08:30:00+09:00, a Tuesday morning)")
	flat := fs.Bool("flat", false, "constant activity instead of the weekday/hour shift pattern")
	untagged := fs.Bool("untagged", false, "strip 802.1Q tags, as a mirror port without VLAN encapsulation")
	live := fs.String("live", "", "send onto this veth (inside a private network namespace only)")
	speed := fs.Float64("speed", 1, "with --live: pace at this multiple of real time (0: as fast as possible)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("simulate: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" && *live == "" {
		fs.Usage()
		return errors.New("simulate: give --out, --live, or both")
	}
	if *minutes <= 0 && *packets <= 0 {
		return errors.New("simulate: --minutes or --packets must be positive")
	}
	plant := synth.Plant{Devices: *devices, ConnsPerMin: *conns, OTShare: *otShare, MeanFrame: *meanFrame,
		Flat: *flat, Seed: *seed}
	if *bps != "" {
		v, err := parseRate(*bps)
		if err != nil {
			return fmt.Errorf("simulate: --bps: %w", err)
		}
		plant.BitsPerSec = v
	}
	if *warmup < 0 {
		return errors.New("simulate: --warmup must not be negative")
	}
	cfg := synth.Config{Seed: *seed, Untagged: *untagged, Loopback: *live != "", Skip: *warmup}
	if *minutes > 0 {
		cfg.Duration = *warmup + time.Duration(*minutes*float64(time.Minute))
	}
	if *start != "" {
		t, err := time.Parse(time.RFC3339, *start)
		if err != nil {
			return fmt.Errorf("simulate: --start: %w", err)
		}
		cfg.Start = t
	}
	if *attacks != "" {
		list, err := synth.ParseAttacks(*attacks)
		if err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		cfg.Attacks = list
	}

	began := time.Now()
	fac, rep, err := plant.Build()
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	cfg.Factory = fac
	gen, err := synth.NewChecked(cfg)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	fmt.Fprintf(stderr, "plant %s: %d devices (%d cells, %d CC-Link IE Field networks, %d desktops, %d servers)\n",
		fac.Name, rep.Devices, rep.Cells, rep.FieldNetworks, rep.Desktops, rep.Servers)
	fmt.Fprintf(stderr, "planned at full activity: %.0f frames/s, %.1f Mbit/s, mean frame %.0f B, OT share %.1f%%, %.0f connections/min\n",
		rep.FramesPerSec, rep.BitsPerSec/1e6, rep.MeanFrame, 100*rep.OTShare, rep.ConnsPerMin)
	for _, n := range rep.Notes {
		fmt.Fprintln(stderr, "note:", n)
	}

	var tx *synth.Transmitter
	if *live != "" {
		if tx, err = synth.OpenTransmitter(*live); err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		defer tx.Close()
	}
	w := io.Discard
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		defer file.Close()
		w = file
	}
	format := synth.FormatPcap
	if *pcapng {
		format = synth.FormatPcapng
	}
	counter := synth.NewTrafficCounter(gen.Factory())
	pace := newPacer(*speed)
	n, err := synth.WriteCapture(w, gen, format, *packets, func(frame []byte, ts int64) error {
		counter.Add(frame, ts)
		if tx == nil {
			return nil
		}
		if err := pace.wait(ctx, ts); err != nil {
			return err
		}
		return tx.Send(frame)
	})
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
	}
	stats := counter.Stats()
	lf := synth.NewLabelFile(gen, stats)
	lf.Plant = &synth.PlantInfo{Devices: *devices, ConnsPerMin: plant.ConnsPerMin, OTShare: *otShare,
		BitsPerSec: plant.BitsPerSec, MeanFrame: *meanFrame, Flat: *flat, Report: rep}
	if lf.Plant.ConnsPerMin == 0 {
		lf.Plant.ConnsPerMin = 2 * *devices
	}
	lf.Capture.File, lf.Capture.Interface = *out, *live
	if *out != "" {
		lf.Capture.Format = format.String()
	}
	path := *labels
	if path == "" {
		base := *out
		if base == "" {
			base = "live-" + *live
		}
		path = strings.TrimSuffix(strings.TrimSuffix(base, ".pcapng"), ".pcap") + ".labels.json"
	}
	lfile, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if err := lf.Write(lfile); err != nil {
		lfile.Close()
		return fmt.Errorf("simulate: %w", err)
	}
	if err := lfile.Close(); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}

	took := time.Since(began)
	fmt.Fprintf(stderr, "wrote %d packets (%.1f MB) in %v (%.2f M packets/s)\n",
		n, float64(stats.Bytes)/1e6, took.Round(time.Millisecond), float64(n)/took.Seconds()/1e6)
	fmt.Fprintf(stderr, "measured: %.0f frames/s, %.1f Mbit/s, mean frame %.0f B, OT share %.1f%%, %.0f connections/min\n",
		stats.FramesPerSec(), stats.BitsPerSec()/1e6, stats.MeanFrame(), 100*stats.OTShare(), stats.ConnsPerMin())
	for _, l := range lf.Attacks {
		state := fmt.Sprintf("%d packets", l.Packets)
		if !l.Emitted {
			state = "NOT EMITTED: outside the generated time"
		}
		fmt.Fprintf(stderr, "attack %s %-16s %s .. %s  %s -> %v  %s\n", l.ID, l.Kind,
			l.Start.Format("15:04:05"), l.End.Format("15:04:05"), l.Attacker.Name, victimNames(l.Victims), state)
	}
	sched := gen.Factory().Schedule
	if sched.IsZero() {
		sched = synth.ShiftSchedule()
	}
	for _, l := range lf.Attacks {
		if l.Kind == synth.AttackOffHours && l.Emitted && sched.At(l.Start) >= 0.3 {
			fmt.Fprintf(stderr, "warning: attack %s runs at %s, during working hours; start the capture at night (--start) for a real off-hours anomaly\n",
				l.ID, l.Start.Format("Mon 15:04"))
		}
	}
	if tx != nil {
		fmt.Fprintf(stderr, "sent %d frames on %s\n", tx.Sent().Frames, *live)
	}
	fmt.Fprintf(stderr, "labels: %s\n", path)
	return nil
}

func victimNames(v []synth.Endpoint) []string {
	out := make([]string, len(v))
	for i, e := range v {
		out[i] = e.Name
	}
	return out
}

// parseRate reads a rate such as 1500, 20k, 50M or 1G (bits per second).
func parseRate(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("empty rate")
	}
	mult := 1.0
	switch strings.ToUpper(s[len(s)-1:]) {
	case "K":
		mult, s = 1e3, s[:len(s)-1]
	case "M":
		mult, s = 1e6, s[:len(s)-1]
	case "G":
		mult, s = 1e9, s[:len(s)-1]
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad rate %q", s)
	}
	return v * mult, nil
}

// pacer holds frames until the wall-clock time their timestamps call for
// at the given speed (0: no pacing).
type pacer struct {
	speed     float64
	wallStart time.Time
	tsStart   int64
}

func newPacer(speed float64) *pacer { return &pacer{speed: speed} }

func (p *pacer) wait(ctx context.Context, ts int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.speed <= 0 {
		return nil
	}
	if p.wallStart.IsZero() {
		p.wallStart, p.tsStart = time.Now(), ts
		return nil
	}
	due := p.wallStart.Add(time.Duration(float64(ts-p.tsStart) / p.speed))
	// Sleeping for less than a millisecond costs more than it saves; the
	// frame goes out a little early instead.
	if d := time.Until(due); d > time.Millisecond {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	return nil
}
