package opcua_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mimamori/edge/capture/capturetest"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/opcua"
)

// captures are the corpus files that carry OPC UA: the whole opcua
// directory.
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "opcua/")
	})
}

// TestGolden pins the ot and identity records of every OPC UA capture;
// -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// TestTshark checks our counts against tshark's on every OPC UA capture
// tshark dissects: the services' encoding NodeIds
// (opcua.servicenodeid.numeric, one per message, requests and responses
// apart) and the transport message types (opcua.transport.type, one per
// chunk). They agree exactly. What we report differently and compare
// after mapping: a response counts under its request's code (mapped back
// to the response's NodeId from the records' responses), OPN and CLO
// chunks are the OpenSecureChannel and CloseSecureChannel services when
// readable, and every other service is a MSG. Deliberate differences:
// iti_opc-ua-ap-method.pcap runs on port 12001, which tshark decodes only
// when told to (-d tcp.port==12001,opcua; it then shows the counts of our
// golden file), so it is left out; a message split into chunks is one
// message here and one per chunk in tshark's transport types (the corpus
// has none).
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	for _, rel := range captures(t) {
		if strings.HasSuffix(rel, "iti_opc-ua-ap-method.pcap") {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			nodes, types := ours(t, goldentest.OT(t, path))
			tf := goldentest.TsharkField{Filter: "opcua.servicenodeid.numeric", Field: "opcua.servicenodeid.numeric"}
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, ".txt")), tf, nodes, nil)
			checkTransport(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, "_transport.txt")), types)
		})
	}
}

// ours turns our records into tshark's terms: counts per service NodeId
// (requests under the request's, responses under the response's) and
// per transport message type.
func ours(t *testing.T, out []byte) (map[uint32]uint64, map[string]uint64) {
	nodes, types := map[uint32]uint64{}, map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			Type, Protocol             string
			Code                       uint32
			Count, Requests, Responses uint64
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Type != "ot" || r.Protocol != opcua.ID {
			continue
		}
		switch r.Code {
		case 0x48454c, 0x41434b, 0x455252, 0x524845, 0x4f504e, 0x434c4f, 0x4d5347:
			types[string([]byte{byte(r.Code >> 16), byte(r.Code >> 8), byte(r.Code)})] += r.Count
			continue
		case 0x4d534741:
			types["MSG"] += r.Count
			continue
		case 446:
			types["OPN"] += r.Count
		case 452:
			types["CLO"] += r.Count
		default:
			types["MSG"] += r.Count
		}
		if r.Requests+r.Responses != r.Count || r.Code == 397 {
			nodes[r.Code] += r.Count
			continue
		}
		nodes[r.Code] += r.Requests
		resp := r.Code + 3
		if r.Code == 12208 || r.Code == 12211 {
			resp = r.Code + 1
		}
		nodes[resp] += r.Responses
	}
	for c, n := range nodes {
		if n == 0 {
			delete(nodes, c)
		}
	}
	return nodes, types
}

// checkTransport compares our per-message-type counts with tshark's
// opcua.transport.type, recorded in file (rewritten under -update) so
// that the test runs without tshark.
func checkTransport(t *testing.T, path, file string, ours map[string]uint64) {
	t.Helper()
	if bin, err := exec.LookPath("tshark"); err == nil {
		out, err := exec.Command(bin, "-n", "-r", path, "-Y", "opcua", "-T", "fields", "-e", "opcua.transport.type").Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		live := map[string]uint64{}
		for _, line := range strings.Split(string(out), "\n") {
			for _, v := range strings.Split(strings.TrimSpace(line), ",") {
				if v != "" {
					live[v]++
				}
			}
		}
		var b strings.Builder
		b.WriteString("# tshark -n -r FILE -Y opcua -T fields -e opcua.transport.type (one count per chunk)\n")
		for _, k := range slices.Sorted(maps.Keys(live)) {
			fmt.Fprintf(&b, "%s %d\n", k, live[k])
		}
		if goldentest.Updating() {
			if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		} else if rec, err := os.ReadFile(file); err == nil && string(rec) != b.String() {
			t.Errorf("tshark now counts %v, recorded in %s:\n%s", live, file, rec)
		}
	}
	rec, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with tshark installed and -update to record it)", err)
	}
	recorded := map[string]uint64{}
	for _, line := range strings.Split(string(rec), "\n") {
		var k string
		var n uint64
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := fmt.Sscanf(line, "%s %d", &k, &n); err != nil {
			t.Fatalf("%s: line %q: %v", file, line, err)
		}
		recorded[k] = n
	}
	if !maps.Equal(ours, recorded) {
		t.Errorf("message types: we count %v, tshark %v", ours, recorded)
	}
}
