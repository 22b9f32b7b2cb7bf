package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"mimamori/cloud/store/sqlite"
	"mimamori/edge/decode"
	"mimamori/edge/flow"
	"mimamori/edge/observe"
	"mimamori/edge/pipeline"
	"mimamori/protocols"
)

// TestBuiltWithProfile checks that go builds this package with its
// profile (default.pgo, picked up by the default -pgo=auto): the test
// binary is built the way the shipped one is.
func TestBuiltWithProfile(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information in the test binary")
	}
	for _, s := range bi.Settings {
		if s.Key == "-pgo" {
			if filepath.Base(s.Value) != "default.pgo" {
				t.Errorf("built with profile %s, want this package's default.pgo", s.Value)
			}
			return
		}
	}
	t.Skip("built without a profile (-pgo=off or an explicit -pgo): nothing to check")
}

// TestProfileCoversHotPath checks that default.pgo is a CPU profile that
// still names the sensor's per-packet functions and the cloud's ingest: a
// rename leaves the profile describing code that no longer exists, and
// the build quietly loses the optimisation until make pgo writes a new
// one.
func TestProfileCoversHotPath(t *testing.T) {
	f, err := os.Open("default.pgo")
	if err != nil {
		t.Fatalf("%v (make pgo writes it)", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("default.pgo is not a gzipped pprof profile: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("default.pgo: %v", err)
	}
	// A profile's strings (sample types, function names) are stored
	// verbatim in its string table.
	for _, s := range []string{"cpu", "nanoseconds"} {
		if !bytes.Contains(raw, []byte(s)) {
			t.Errorf("default.pgo has no %q sample type: not a CPU profile", s)
		}
	}
	for _, fn := range []any{
		(*pipeline.Pipeline).Packet,
		(*decode.Decoder).Decode,
		(*flow.Table).Packet,
		(*observe.Table).Observe,
		(*protocols.Tracker).Packet,
		(*sqlite.Store).IngestBatch,
	} {
		name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
		name = strings.TrimSuffix(name, "-fm")
		if !bytes.Contains(raw, []byte(name)) {
			t.Errorf("default.pgo has no samples in %s: run make pgo", name)
		}
	}
}
