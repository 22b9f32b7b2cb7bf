package profinet_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/profinet"
)

// captures are the corpus files that carry PROFINET: the profinet
// directory, but for iti_Profinet_Failed.pcap, which despite its name
// holds none (LLDP, ARP, S7comm).
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "profinet/") && rel != "profinet/iti_Profinet_Failed.pcap"
	})
}

// TestGolden pins the ot and identity records of every PROFINET capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// TestTshark checks our per-service counts of DCP against tshark's
// pn_dcp.service_id; our per-code counts of the other frames on the
// EtherType against tshark's pn_rt.frame_id of the frames that are not
// DCP, with tshark's cyclic frame IDs summed per RT class as we count
// them (RTCode); and our per-operation counts of IO-CM against tshark's
// dcerpc.opnum of the packets it dissects as PNIO. All agree exactly,
// except that we also count the connectionless RPC's own packets (ping,
// nocall, fack: codes RPCCodeBase and up), which carry no PNIO operation
// and which tshark does not dissect as PNIO; they are left out. A
// fragmented operation counts once: on its first fragment here, on the
// last (where it reassembles it) in tshark.
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	dcp := goldentest.TsharkField{Filter: "pn_dcp", Field: "pn_dcp.service_id"}
	rt := goldentest.TsharkField{Filter: "pn_rt && !pn_dcp", Field: "pn_rt.frame_id"}
	iocm := goldentest.TsharkField{
		Filter: "dcerpc && (pn_io_device || pn_io_controller || pn_io_supervisor || pn_io_parameterserver)",
		Field:  "dcerpc.opnum",
	}
	rpc := func(code uint32) bool { return code >= profinet.RPCCodeBase }
	for _, rel := range captures(t) {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			// TestGolden checks that the golden file is the capture's
			// output; reading it saves analysing the capture again.
			out, err := os.ReadFile(filepath.Join("testdata", "golden", goldentest.GoldenName(rel, ".jsonl")))
			if err != nil {
				t.Fatal(err)
			}
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, ".txt")), dcp,
				goldentest.Counts(t, out, profinet.ID), nil)
			checkTsharkRT(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, "_rt.txt")), rt,
				goldentest.Counts(t, out, profinet.RTID))
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, "_iocm.txt")), iocm,
				goldentest.Counts(t, out, profinet.IOCMID), rpc)
		})
	}
}

// checkTsharkRT is goldentest.CheckTshark for RT frames: tshark counts
// per frame ID, recorded as such in file; the comparison sums them per
// event code first.
func checkTsharkRT(t *testing.T, path, file string, tf goldentest.TsharkField, ours map[uint32]uint64) {
	t.Helper()
	recorded, recErr := readCounts(file)
	if live, err := tsharkCounts(path, tf); err == nil {
		switch {
		case goldentest.Updating():
			if err := writeCounts(file, tf, live); err != nil {
				t.Fatal(err)
			}
			recorded, recErr = live, nil
		case recErr == nil && !maps.Equal(live, recorded):
			t.Errorf("tshark now counts %v, recorded %v in %s", live, recorded, file)
		}
	} else if !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("tshark: %v", err)
	}
	if recErr != nil {
		t.Fatalf("%v (run with tshark installed and -update to record it)", recErr)
	}
	theirs := map[uint32]uint64{}
	for id, n := range recorded {
		theirs[profinet.RTCode(uint16(id))] += n
	}
	if !maps.Equal(ours, theirs) {
		t.Errorf("per code: we count %v, tshark %v", ours, theirs)
	}
}

func tsharkCounts(path string, tf goldentest.TsharkField) (map[uint32]uint64, error) {
	bin, err := exec.LookPath("tshark")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(bin, "-n", "-r", path, "-Y", tf.Filter, "-T", "fields", "-e", tf.Field).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	counts := map[uint32]uint64{}
	for _, line := range strings.Fields(string(out)) {
		c, err := strconv.ParseUint(line, 0, 16)
		if err != nil {
			return nil, fmt.Errorf("tshark value %q: %w", line, err)
		}
		counts[uint32(c)]++
	}
	return counts, nil
}

func writeCounts(file string, tf goldentest.TsharkField, counts map[uint32]uint64) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# tshark -n -r FILE -Y %q -T fields -e %s (one count per frame)\n", tf.Filter, tf.Field)
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
