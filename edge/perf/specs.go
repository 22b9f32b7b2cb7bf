package perf

import (
	"fmt"
	"time"

	"mimamori/edge/synth"
)

// Spec is a plant the benchmarks measure on.
type Spec struct {
	Name  string
	Plant synth.Plant
}

// Seed is the generator seed of every benchmark capture.
const Seed = 1

// The benchmark plants, all at the specification's load (1000 devices,
// 2000 connections per minute) with the shift pattern flattened to full
// activity. scripts/bench.sh writes the same ones with `mimamori simulate`.
var (
	// OTHeavy is mostly machine polling: mean frame about 150 bytes.
	OTHeavy = Spec{"ot", synth.Plant{Devices: 1000, ConnsPerMin: 2000, MeanFrame: 150, Flat: true, Seed: Seed}}
	// Mixed adds office bulk traffic: mean frame about 500 bytes.
	Mixed = Spec{"mixed", synth.Plant{Devices: 1000, ConnsPerMin: 2000, MeanFrame: 500, Flat: true, Seed: Seed}}
	// SpecLoad is the specification's load with the plant's natural mix, for
	// upload size, memory and ingest.
	SpecLoad = Spec{"load", synth.Plant{Devices: 1000, ConnsPerMin: 2000, Flat: true, Seed: Seed}}
)

// WithDevices returns the spec with another device count.
func (s Spec) WithDevices(n int) Spec {
	s.Plant.Devices = n
	s.Name = fmt.Sprintf("%s-%d", s.Name, n)
	return s
}

// Warmup is how long the benchmark plants run before their captures
// start, so the captures hold steady-state traffic rather than the boot.
const Warmup = 2 * time.Minute

// Generator builds the spec's plant and a generator of d of its traffic
// after Warmup (endless when d is 0).
func (s Spec) Generator(d time.Duration, loopback bool) (*synth.Generator, synth.PlantReport, error) {
	f, rep, err := s.Plant.Build()
	if err != nil {
		return nil, rep, err
	}
	cfg := synth.Config{Seed: Seed, Factory: f, Skip: Warmup, Loopback: loopback}
	if d > 0 {
		cfg.Duration = Warmup + d
	}
	g, err := synth.NewChecked(cfg)
	return g, rep, err
}
