package all_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mimamori/edge/capture/capturetest"
	"mimamori/edge/synth"
	"mimamori/protocols/all"
	"mimamori/protocols/goldentest"
)

func TestDefault(t *testing.T) {
	r := all.Default()
	var ids []string
	for _, info := range r.Info() {
		ids = append(ids, info.ID)
	}
	want := []string{"dnp3", "fins", "cclink-ief-basic", "s7comm", "melsoft", "profinet-dcp", "slmp", "bacnet", "opcua",
		"iec104", "enip", "modbus", "cclink-ie-field", "ptp"}
	if !slices.Equal(ids, want) {
		t.Errorf("dissectors %v, want %v", ids, want)
	}
}

// expected lists, per corpus file, the protocols our dissectors may
// report in it; every other capture (MMS, GOOSE, HART-IP, Niagara Fox,
// scans, ...) must yield none. This is the check
// report in it; every other capture (DNP3, S7, ENIP, BACnet, CC-Link IE
// Field Basic, scans, ...) must yield none. This is the check
// that the heuristics, which run on every unclaimed conversation, do not
// mistake other traffic for an industrial protocol.
func expected(rel string) []string {
	switch {
	case strings.HasPrefix(rel, "modbus/"), strings.HasPrefix(rel, "attacks/") && strings.Contains(rel, "modbus"),
		rel == "misc-ics/iti_modicon_test.pcap":
		return []string{"modbus"}
	case strings.HasPrefix(rel, "fins/"):
		return []string{"fins"}
	case rel == "cclink-ie-field-control/nttcom_cc_link_ief.pcap":
		return []string{"cclink-ie-field"}
	case rel == "cclink-ie-tsn/nttcom_noip_test2_tsn_l2frames.pcapng":
		return []string{"cclink-ie-control", "cclink-ie-field", "cclink-ie-tsn"}
	case rel == "cclink-ie-tsn/nttcom_tsn_ptp_test.pcapng":
		return []string{"ptp"}
	case strings.HasPrefix(rel, "cclink-ief-basic/"):
		return []string{"cclink-ief-basic"}
	case rel == "s7comm/icsnpp_s7comm_plus.pcap":
		return []string{"s7comm", "s7comm-plus"}
	case rel == "s7comm/iti_S7-1200-Uploading-OB1-TIAV12.pcap":
		return []string{"s7comm-plus"}
	case strings.HasPrefix(rel, "s7comm/"), rel == "profinet/iti_Profinet_Failed.pcap":
		return []string{"s7comm"}
	case strings.HasPrefix(rel, "bacnet/"):
		return []string{"bacnet"}
	case strings.HasPrefix(rel, "opcua/"):
		return []string{"opcua"}
	case strings.HasPrefix(rel, "dnp3/"),
		rel == "attacks/quickdraw_enip_CL5000EIP-View_Device_Status.pcap": // a DNP3 read on port 20000, no EtherNet/IP
		return []string{"dnp3"}
	case strings.HasPrefix(rel, "iec104/"):
		return []string{"iec104"}
	case rel == "cclink-ie-tsn/nttcom_tsn_slmp_udp45238_test.pcap":
		return []string{"cclink-ie-tsn-slmp"}
	case rel == "enip-cip/iti_enip_test.pcap":
		return []string{"enip"}
	case rel == "enip-cip/icsnpp_enip_cip_example.pcap", rel == "attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap":
		return []string{"cip", "enip"}
	case strings.HasPrefix(rel, "enip-cip/"), strings.HasPrefix(rel, "attacks/quickdraw_enip_") &&
		!strings.HasSuffix(rel, "_Failure.pcap") && !strings.HasSuffix(rel, "View_Device_Status.pcap"):
		// The two failure captures and the device status one hold no
		// EtherNet/IP (ARP, STP, DNP3 and a proprietary protocol).
		return []string{"cip"}
	case strings.HasPrefix(rel, "melsec-melsoft/"), rel == "attacks/nozomi_melsoft_cve_2021_20594_username_bruteforce.pcapng":
		return []string{"melsoft"}
	case rel == "profinet/icsnpp_profinet_io_cm_mixed_1.pcap":
		return []string{"profinet-dcp", "profinet-io-cm", "profinet-rt"}
	case strings.HasPrefix(rel, "profinet/icsnpp_profinet_io_cm_"), rel == "profinet/iti_profinet.pcap":
		return []string{"profinet-io-cm"}
	case rel == "profinet/iti_PROFINET-RT.pcap", rel == "profinet/iti_profinet-wireshark-bug.pcap":
		return []string{"profinet-dcp"}
	}
	return nil
}

func TestCorpusProtocols(t *testing.T) {
	dir := capturetest.Dir(t)
	for _, path := range capturetest.Files(t) {
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			got := protocolsIn(t, goldentest.OT(t, path))
			if want := expected(rel); !slices.Equal(got, want) {
				t.Errorf("protocols %v, want %v", got, want)
			}
		})
	}
}

// protocolsIn lists the protocols of the records, sorted.
func protocolsIn(t *testing.T, out []byte) []string {
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct{ Protocol string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		seen[r.Protocol] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// TestSyntheticFactory pins the ot and identity records of four minutes
// of the generated one-cell factory: SLMP over TCP on ports 5001-5003
// (found by the heuristic), FINS over UDP 9600, Modbus/TCP, CC-Link IE
// Field Basic cyclic data on UDP 61450 (two slaves with their model
// codes), S7comm Read Var polls on TCP 102, Logix tag polling over
// EtherNet/IP with ListIdentity discovery, and an engineering session
// that reads the MELSEC's type name and the Omron's controller data.
// -update rewrites the golden file.
func TestSyntheticFactory(t *testing.T) {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "factory.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synth.WritePcap(f, synth.New(synth.Config{Seed: 1, Start: start, Duration: 4 * time.Minute, Cells: 1}), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := goldentest.OT(t, path)
	goldentest.CheckGolden(t, filepath.Join("testdata", "golden", "synthetic_factory.jsonl"), out)

	for _, want := range []string{`"protocol":"slmp"`, `"protocol":"fins"`, `"protocol":"modbus"`, `"protocol":"cclink-ief-basic"`,
		`"protocol":"s7comm"`, `"protocol":"cip"`, `"protocol":"enip"`,
		`"type":"identity","minute":"2026-01-05T08:00:00Z","protocol":"slmp"`, `"model":"R04CPU"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("no %s in the factory's records", want)
		}
	}
}
