package analyze

import (
	"bufio"
	"bytes"
	"cmp"
	"flag"
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
)

// The tshark oracle: for a varied set of shared captures, the per-
// conversation packet and byte totals of our flow records (summed over
// minutes, grouped by protocol and unordered endpoint pair) must equal
// what tshark 4.0 reports.
//
// tshark's output is recorded under testdata/tshark so the test runs
// where tshark is absent; where it is present the test also re-runs it and
// checks the recording is current. Regenerate with
//
//	go test ./edge/analyze -run TestTsharkOracle -update-tshark
//
// Two recordings per capture:
//
//   - <name>.conv_tcp.txt and <name>.conv_udp.txt are the verbatim output
//     of `tshark -n -q -z conv,tcp` and `-z conv,udp`. Frame counts are
//     compared exactly. tshark prints byte counts from 10,000 up rounded
//     down to kB (then MB...), so byte counts are compared by rendering ours
//     the same way.
//   - <name>.conv_exact.txt gives exact byte counts: tshark's per-frame
//     fields (-T fields, frame.len and the addresses and ports of TCP and
//     UDP frames) summed per conversation when the recording is made. The
//     test first checks that these sums agree with the conversation tables,
//     then compares ours with them exactly.
//
// Deliberate differences, none of which occurs in these captures:
//
//   - ICMP errors quote the IP and transport header of the packet they
//     refer to. tshark does not count them in TCP or UDP conversations and
//     neither do we: they are ICMP flows of their own (the oracle filters
//     them out of the per-frame fields the same way).
//   - tshark reassembles IP fragments and counts a fragmented datagram once,
//     in the frame that completes it; we count every fragment, at its wire
//     length, in the datagram's flow (later fragments borrow the ports of
//     the first).
//   - tshark may split one address/port pair into several conversations
//     (when a dissector starts a new stream, or a TCP port is reused); we
//     compare per endpoint pair, summing its rows, as our records are
//     summed over incarnations and minutes.
//   - Frames our decoder rejects as malformed (an IPv4 header announcing
//     version 2, say) are not in any flow; tshark does not dissect their
//     transport layer either.

var updateTshark = flag.Bool("update-tshark", false, "re-run tshark and rewrite testdata/tshark")

// oracleCaptures are picked to cover the link types, encapsulations and
// protocols of the corpus.
var oracleCaptures = []string{
	"modbus/iti_ModbusTCP.pcap",                                        // Modbus/TCP, 15k frames, many connections
	"bacnet/icsnpp_bacnet_example.pcap",                                // BACnet/IP over UDP
	"dnp3/iti_bro_dnp3.pcap",                                           // DNP3 over TCP
	"enip-cip/icsnpp_enip_cip_example.pcap",                            // EtherNet/IP over TCP and UDP
	"s7comm/icsnpp_s7comm_plus.pcap",                                   // S7comm+, Linux cooked capture
	"attacks/malcolm_bro-simple-scan_multiport_scan.pcap",              // 802.1Q VLANs, SYN scan, ICMP errors quoting TCP
	"profinet/icsnpp_profinet_io_cm_mixed_1.pcap",                      // IPv6, DCE/RPC over UDP, broadcasts
	"opcua/icsnpp_open62541_client-server_mainloop.pcapng",             // pcapng, BSD loopback, TCP over IPv6
	"fins/icsnpp_omron_fins_tcp_commands_responses.pcap",               // raw IPv4 link type
	"attacks/nozomi_melsoft_cve_2021_20594_username_bruteforce.pcapng", // PPP in HDLC framing
	"misc-ics/iti_hart_ip.pcapng",                                      // an ICMP port unreachable quoting UDP; split conversations
	"cclink-ie-tsn/nttcom_tsn_slmp_udp45238_test.pcap",                 // SLMP over UDP, 7k frames
	"iec104/iti_090813_diverse.pcap",                                   // IEC 60870-5-104 over TCP
}

// convKey is a conversation: protocol and its two "addr:port" endpoints,
// a < b.
type convKey struct{ proto, a, b string }

// convTotals counts frames and bytes in each direction: [0] is a → b.
type convTotals struct {
	frames, bytes [2]uint64
	// shown holds the tshark table's rendering of the byte counts, for
	// the comparison in the table's own units.
	shown [2]string
}

func newKey(proto, x, y string) (convKey, bool) {
	if x <= y {
		return convKey{proto, x, y}, false
	}
	return convKey{proto, y, x}, true
}

func TestTsharkOracle(t *testing.T) {
	dir := capturetest.Dir(t)
	tshark, _ := exec.LookPath("tshark")
	if *updateTshark && tshark == "" {
		t.Fatal("-update-tshark needs tshark on PATH")
	}
	for _, rel := range oracleCaptures {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, filepath.FromSlash(rel))
			if _, err := os.Stat(path); err != nil {
				t.Skipf("corpus file missing: %v", err)
			}
			base := filepath.Join("testdata", "tshark", strings.ReplaceAll(strings.TrimSuffix(rel, filepath.Ext(rel)), "/", "_"))
			if *updateTshark {
				recordTshark(t, tshark, path, base)
			}
			table := readConvTables(t, base)
			exact := readExact(t, base+".conv_exact.txt")
			checkTablesAgree(t, table, exact)
			if tshark != "" && !*updateTshark && !testing.Short() {
				checkRecordingCurrent(t, tshark, path, base, table, exact)
			}

			ours := ourConversations(t, path)
			for _, k := range sortedKeys(exact, ours) {
				want, got := exact[k], ours[k]
				if want.frames != got.frames || want.bytes != got.bytes {
					t.Errorf("%s %s <-> %s: ours %v frames %v bytes, tshark %v frames %v bytes",
						k.proto, k.a, k.b, got.frames, got.bytes, want.frames, want.bytes)
				}
				if tk, ok := table[k]; ok {
					for d := range 2 {
						if s := tsharkSize(got.bytes[d]); tk.shown[d] != "" && s != tk.shown[d] {
							t.Errorf("%s %s <-> %s: ours renders as %q, tshark shows %q", k.proto, k.a, k.b, s, tk.shown[d])
						}
					}
				}
			}
			t.Logf("%d conversations agree", len(exact))
		})
	}
}

// ourConversations sums our TCP and UDP flow records per conversation.
func ourConversations(t *testing.T, path string) map[convKey]convTotals {
	out := map[convKey]convTotals{}
	for _, r := range records(t, analyzeFile(t, path)) {
		if r["type"] != "flow" || (r["proto"] != "tcp" && r["proto"] != "udp") {
			continue
		}
		src := endpoint(r["src_ip"].(string), uint64(r["src_port"].(float64)))
		dst := endpoint(r["dst_ip"].(string), uint64(r["dst_port"].(float64)))
		k, swapped := newKey(r["proto"].(string), src, dst)
		c := out[k]
		d := 0
		if swapped {
			d = 1
		}
		c.frames[d] += uint64(r["src_packets"].(float64))
		c.bytes[d] += uint64(r["src_bytes"].(float64))
		c.frames[1-d] += uint64(r["dst_packets"].(float64))
		c.bytes[1-d] += uint64(r["dst_bytes"].(float64))
		out[k] = c
	}
	return out
}

// endpoint renders an address and port the way tshark's tables do.
func endpoint(ip string, port uint64) string {
	return ip + ":" + strconv.FormatUint(port, 10)
}

func sortedKeys(ms ...map[convKey]convTotals) []convKey {
	var keys []convKey
	for _, m := range ms {
		keys = append(keys, slices.Collect(maps.Keys(m))...)
	}
	slices.SortFunc(keys, func(x, y convKey) int {
		return cmp.Or(cmp.Compare(x.proto, y.proto), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b))
	})
	return slices.Compact(keys)
}

// tsharkSize renders a byte count as tshark 4.0's conversation table does
// (format_size with SI prefixes): whole units, truncated, switching to the
// next prefix once the count reaches ten of it.
func tsharkSize(n uint64) string {
	units := []string{"bytes", "kB", "MB", "GB", "TB"}
	i := 0
	for i < len(units)-1 && n >= 10000 {
		n /= 1000
		i++
	}
	return fmt.Sprintf("%d %s", n, units[i])
}

// runTshark returns tshark's standard output for args.
func runTshark(t *testing.T, tshark string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(tshark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// fieldsFilter selects the frames tshark counts in TCP and UDP
// conversations: those with a transport header of their own, not one
// quoted inside an ICMP error.
const fieldsFilter = "(tcp || udp) && !icmp && !icmpv6"

func tsharkOutputs(t *testing.T, tshark, path string) (convTCP, convUDP, exact []byte) {
	convTCP = runTshark(t, tshark, "-n", "-r", path, "-q", "-z", "conv,tcp")
	convUDP = runTshark(t, tshark, "-n", "-r", path, "-q", "-z", "conv,udp")
	fields := runTshark(t, tshark, "-n", "-r", path, "-Y", fieldsFilter, "-T", "fields", "-E", "separator=/t",
		"-e", "frame.len", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
		"-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport")
	return convTCP, convUDP, renderExact(t, sumFields(t, fields))
}

func recordTshark(t *testing.T, tshark, path, base string) {
	convTCP, convUDP, exact := tsharkOutputs(t, tshark, path)
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		t.Fatal(err)
	}
	for suffix, data := range map[string][]byte{".conv_tcp.txt": convTCP, ".conv_udp.txt": convUDP, ".conv_exact.txt": exact} {
		if err := os.WriteFile(base+suffix, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkRecordingCurrent re-runs tshark and compares its results (parsed,
// so a cosmetic change in a newer tshark does not matter) with the files.
func checkRecordingCurrent(t *testing.T, tshark, path, base string, table, exact map[convKey]convTotals) {
	convTCP, convUDP, exactNow := tsharkOutputs(t, tshark, path)
	tableNow := parseConvTable(t, convTCP, "tcp")
	maps.Copy(tableNow, parseConvTable(t, convUDP, "udp"))
	stale := len(tableNow) != len(table) || !bytes.Equal(exactNow, mustRead(t, base+".conv_exact.txt"))
	for k, v := range tableNow {
		if table[k] != v {
			stale = true
		}
	}
	if stale {
		t.Errorf("the tshark recording for %s is out of date; run with -update-tshark", path)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (record it with -update-tshark)", err)
	}
	return b
}

func readConvTables(t *testing.T, base string) map[convKey]convTotals {
	table := parseConvTable(t, mustRead(t, base+".conv_tcp.txt"), "tcp")
	maps.Copy(table, parseConvTable(t, mustRead(t, base+".conv_udp.txt"), "udp"))
	return table
}

// parseConvTable reads a tshark conversation table. A row reads
//
//	A <-> B  framesB→A bytesB→A  framesA→B bytesA→B  total... start duration
//
// with each byte count printed as "<n> <unit>". Rows for the same endpoint
// pair are summed.
func parseConvTable(t *testing.T, text []byte, proto string) map[convKey]convTotals {
	t.Helper()
	out := map[convKey]convTotals{}
	rows := map[convKey]int{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 9 || f[1] != "<->" {
			continue
		}
		k, swapped := newKey(proto, f[0], f[2])
		toA, errA := strconv.ParseUint(f[3], 10, 64)
		toB, errB := strconv.ParseUint(f[6], 10, 64)
		if errA != nil || errB != nil {
			t.Fatalf("unreadable row %q", sc.Text())
		}
		ab, ba := 0, 1
		if swapped {
			ab, ba = 1, 0
		}
		c := out[k]
		c.frames[ab] += toB
		c.frames[ba] += toA
		c.shown[ab], c.shown[ba] = f[7]+" "+f[8], f[4]+" "+f[5]
		out[k] = c
		rows[k]++
	}
	// Rows summed together cannot be compared in display units.
	for k, n := range rows {
		if n > 1 {
			c := out[k]
			c.shown = [2]string{}
			out[k] = c
		}
	}
	return out
}

// sumFields adds up tshark's per-frame fields into exact conversation
// totals. When a field occurs more than once (an ICMP error would quote a
// second header; the filter excludes those) the first occurrence is the
// frame's own.
func sumFields(t *testing.T, fields []byte) map[convKey]convTotals {
	t.Helper()
	out := map[convKey]convTotals{}
	first := func(s string) string { s, _, _ = strings.Cut(s, ","); return s }
	sc := bufio.NewScanner(bytes.NewReader(fields))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 9 {
			t.Fatalf("unreadable fields line %q", sc.Text())
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			t.Fatalf("frame length %q", f[0])
		}
		src, dst := first(f[1]), first(f[2])
		if src == "" {
			src, dst = first(f[3]), first(f[4])
		}
		proto, sp, dp := "tcp", first(f[5]), first(f[6])
		if sp == "" {
			proto, sp, dp = "udp", first(f[7]), first(f[8])
		}
		if src == "" || sp == "" {
			continue // a frame tshark could not dissect fully
		}
		a, b := endpoint(src, mustUint(t, sp)), endpoint(dst, mustUint(t, dp))
		k, swapped := newKey(proto, a, b)
		d := 0
		if swapped {
			d = 1
		}
		c := out[k]
		c.frames[d]++
		c.bytes[d] += n
		out[k] = c
	}
	return out
}

func mustUint(t *testing.T, s string) uint64 {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return n
}

// renderExact writes exact totals one conversation per line, sorted:
// proto a b frames(a→b) bytes(a→b) frames(b→a) bytes(b→a).
func renderExact(t *testing.T, m map[convKey]convTotals) []byte {
	var b bytes.Buffer
	b.WriteString("# proto a b frames_a_to_b bytes_a_to_b frames_b_to_a bytes_b_to_a (tshark per-frame fields, summed)\n")
	for _, k := range sortedKeys(m) {
		c := m[k]
		fmt.Fprintf(&b, "%s %s %s %d %d %d %d\n", k.proto, k.a, k.b, c.frames[0], c.bytes[0], c.frames[1], c.bytes[1])
	}
	return b.Bytes()
}

func readExact(t *testing.T, path string) map[convKey]convTotals {
	out := map[convKey]convTotals{}
	sc := bufio.NewScanner(bytes.NewReader(mustRead(t, path)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 7 {
			t.Fatalf("unreadable line %q in %s", line, path)
		}
		var c convTotals
		c.frames[0], c.bytes[0] = mustUint(t, f[3]), mustUint(t, f[4])
		c.frames[1], c.bytes[1] = mustUint(t, f[5]), mustUint(t, f[6])
		out[convKey{f[0], f[1], f[2]}] = c
	}
	return out
}

// checkTablesAgree verifies that the two tshark recordings describe the
// same conversations and frame counts, and that the exact byte counts
// render as the table shows them: the per-frame sums are a faithful
// expansion of tshark's own table.
func checkTablesAgree(t *testing.T, table, exact map[convKey]convTotals) {
	t.Helper()
	for _, k := range sortedKeys(table, exact) {
		tb, ex := table[k], exact[k]
		if tb.frames != ex.frames {
			t.Fatalf("tshark disagrees with itself on %v: table %v frames, per-frame fields %v", k, tb.frames, ex.frames)
		}
		for d := range 2 {
			if tb.shown[d] != "" && tb.shown[d] != tsharkSize(ex.bytes[d]) {
				t.Fatalf("tshark disagrees with itself on %v: table shows %q, fields sum to %d", k, tb.shown[d], ex.bytes[d])
			}
		}
	}
}
