// Package goldentest checks dissectors against the shared captures: the
// `ot` and `identity` records `mimamori analyze` writes for a capture,
// compared with golden files, and per-function counts compared with
// tshark's. Only tests import it.
package goldentest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mimamori/edge/analyze"
	"mimamori/edge/capture/capturetest"
)

var update = flag.Bool("update", false, "rewrite golden files and recorded tshark output")

// Updating reports whether the test run was asked to rewrite golden files.
func Updating() bool { return *update }

// OT analyses a capture as `mimamori analyze` does, with every dissector,
// and returns only its `ot` and `identity` records, one per line.
func OT(tb testing.TB, path string) []byte {
	tb.Helper()
	var out bytes.Buffer
	opts := analyze.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := analyze.Run(context.Background(), []string{path}, &out, opts); err != nil {
		tb.Fatalf("analyze %s: %v", path, err)
	}
	var ot bytes.Buffer
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct{ Type string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("analyze %s: line %q: %v", path, sc.Bytes(), err)
		}
		if r.Type == "ot" || r.Type == "identity" {
			ot.Write(sc.Bytes())
			ot.WriteByte('\n')
		}
	}
	return ot.Bytes()
}

// GoldenName turns a corpus path ("modbus/x.pcap") into a file name
// ("modbus_x" + ext).
func GoldenName(rel, ext string) string {
	rel = filepath.ToSlash(rel)
	return strings.ReplaceAll(strings.TrimSuffix(rel, filepath.Ext(rel)), "/", "_") + ext
}

// CheckGolden compares got with the golden file, or rewrites it under
// -update. A difference fails the test with the first differing line.
func CheckGolden(tb testing.TB, file string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		tb.Fatalf("%v (run with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			tb.Fatalf("%s differs at line %d (%d lines, golden %d):\n got: %s\nwant: %s", file, i+1, len(g), len(w), gl, wl)
		}
	}
}

// Counts sums the `count` of one protocol's ot records per code.
func Counts(tb testing.TB, out []byte, protocol string) map[uint32]uint64 {
	tb.Helper()
	counts := map[uint32]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			Type, Protocol string
			Code           uint32
			Count          uint64
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		if r.Type == "ot" && r.Protocol == protocol {
			counts[r.Code] += r.Count
		}
	}
	return counts
}

// TsharkField says how tshark shows a protocol's function codes.
type TsharkField struct {
	Filter string // display filter selecting the protocol's packets ("mbtcp")
	Field  string // the function-code field ("modbus.func_code")
	// Fold, if set, maps tshark's values to our codes before comparing
	// (PROFINET counts cyclic frames per RT class, tshark per frame ID);
	// the recording keeps tshark's own values.
	Fold func(uint32) uint32
}

// CheckTshark compares our per-code counts with tshark's on the same
// capture, recorded in file so the test runs without tshark. When tshark
// is installed it is run again and must still give the recorded counts
// (or, under -update, its output is recorded). Codes for which skip
// returns true are ours alone (documented differences) and left out.
func CheckTshark(tb testing.TB, path, file string, tf TsharkField, ours map[uint32]uint64, skip func(uint32) bool) {
	tb.Helper()
	recorded, recErr := readCounts(file)
	if live, err := runTshark(path, tf); err == nil {
		switch {
		case *update:
			if err := writeCounts(file, tf, live); err != nil {
				tb.Fatal(err)
			}
			recorded, recErr = live, nil
		case recErr == nil && !maps.Equal(live, recorded):
			tb.Errorf("tshark now counts %v, recorded %v in %s", live, recorded, file)
		}
	} else if !errors.Is(err, exec.ErrNotFound) {
		tb.Fatalf("tshark: %v", err)
	}
	if recErr != nil {
		tb.Fatalf("%v (run with tshark installed and -update to record it)", recErr)
	}
	if tf.Fold != nil {
		folded := map[uint32]uint64{}
		for c, n := range recorded {
			folded[tf.Fold(c)] += n
		}
		recorded = folded
	}
	mine := map[uint32]uint64{}
	for c, n := range ours {
		if skip == nil || !skip(c) {
			mine[c] = n
		}
	}
	if !maps.Equal(mine, recorded) {
		for _, c := range slices.Sorted(maps.Keys(union(mine, recorded))) {
			if mine[c] != recorded[c] {
				tb.Errorf("code 0x%04x: we count %d, tshark %d", c, mine[c], recorded[c])
			}
		}
	}
}

func union(a, b map[uint32]uint64) map[uint32]uint64 {
	u := maps.Clone(a)
	for k, v := range b {
		u[k] += v
	}
	return u
}

// runTshark counts the values of tf.Field in the packets tf.Filter
// selects: one per PDU (tshark lists several PDUs of a packet separated
// by commas).
func runTshark(path string, tf TsharkField) (map[uint32]uint64, error) {
	bin, err := exec.LookPath("tshark")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(bin, "-n", "-r", path, "-Y", tf.Filter, "-T", "fields", "-e", tf.Field).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	counts := map[uint32]uint64{}
	for _, line := range strings.Split(string(out), "\n") {
		for _, v := range strings.Split(strings.TrimSpace(line), ",") {
			if v == "" {
				continue
			}
			c, err := strconv.ParseUint(v, 0, 32)
			if err != nil {
				return nil, fmt.Errorf("tshark value %q: %w", v, err)
			}
			counts[uint32(c)]++
		}
	}
	return counts, nil
}

// The recorded form: a comment naming the command, then "code count"
// lines sorted by code.
func writeCounts(file string, tf TsharkField, counts map[uint32]uint64) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# tshark -n -r FILE -Y %s -T fields -e %s (one count per PDU)\n", tf.Filter, tf.Field)
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "0x%04x %d\n", c, counts[c])
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, []byte(b.String()), 0o644)
}

func readCounts(file string) (map[uint32]uint64, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	counts := map[uint32]uint64{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var c uint32
		var n uint64
		if _, err := fmt.Sscanf(line, "0x%x %d", &c, &n); err != nil {
			return nil, fmt.Errorf("%s: line %q: %w", file, line, err)
		}
		counts[c] = n
	}
	return counts, nil
}

// Captures lists the corpus files, as slash-separated paths relative to
// the corpus directory ("dnp3/x.pcap"), that keep accepts.
func Captures(tb testing.TB, keep func(rel string) bool) []string {
	tb.Helper()
	dir := capturetest.Dir(tb)
	var out []string
	for _, f := range capturetest.Files(tb) {
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			tb.Fatal(err)
		}
		if rel = filepath.ToSlash(rel); keep(rel) {
			out = append(out, rel)
		}
	}
	return out
}

// CheckGoldens checks the ot and identity records of each capture (as
// Captures lists them) against testdata/golden/<GoldenName>.jsonl, one
// subtest per capture; -update rewrites them.
func CheckGoldens(t *testing.T, rels []string) {
	t.Helper()
	dir := capturetest.Dir(t)
	for _, rel := range rels {
		t.Run(rel, func(t *testing.T) {
			got := OT(t, filepath.Join(dir, rel))
			CheckGolden(t, filepath.Join("testdata", "golden", GoldenName(rel, ".jsonl")), got)
		})
	}
}
