package enip_test

import (
	"path/filepath"
	"strings"
	"testing"

	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/enip"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/protocolstest"
)

// captures are the corpus files that carry EtherNet/IP: the enip-cip
// directory and the QuickDraw ControlLogix attack captures.
func captures(t *testing.T) []string {
	return goldentest.Captures(t, func(rel string) bool {
		return strings.HasPrefix(rel, "enip-cip/") || strings.HasPrefix(rel, "attacks/quickdraw_enip_")
	})
}

// TestGolden pins the ot and identity records of every EtherNet/IP
// capture; -update rewrites them.
func TestGolden(t *testing.T) {
	goldentest.CheckGoldens(t, captures(t))
}

// TestTshark checks our counts against tshark's on every EtherNet/IP
// capture, in two parts.
//
// Encapsulation commands: our enip events against tshark's enip.command
// in the packets that hold no CIP. They agree exactly.
//
// CIP services: our cip events against tshark's cip.sc, which counts a
// reply under its request's service as we do. Three deliberate
// differences: (1) our codes of object-specific services carry their
// class above the service (0x064e is Forward_Close, 0x6b4c Read_Tag), so
// they are compared by their low byte; (2) tshark counts every service
// in a Multiple Service Packet and both an Unconnected Send and the
// request it carries, where we report one event per message (the Multiple
// Service Packet with its services as details, the carried request
// alone) — those further services are counted from the same messages by
// the package's own parser and added to ours; (3) implicit I/O (code
// 0x1000000) has no service and is left out.
//
// tshark decodes the connected data of SendUnitData as CIP only after it
// has seen the Forward_Open that set up the connection. The capture in
// connectedOnly starts after it, so tshark shows no CIP there while we
// report every message (a SendUnitData's connected data is always a CIP
// explicit message): its CIP comparison is skipped.
func TestTshark(t *testing.T) {
	dir := capturetest.Dir(t)
	encap := goldentest.TsharkField{Filter: "enip && !cip", Field: "enip.command"}
	services := goldentest.TsharkField{Filter: "cip", Field: "cip.sc"}
	for _, rel := range captures(t) {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			out := goldentest.OT(t, path)
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, ".enip.txt")),
				encap, goldentest.Counts(t, out, enip.ID), nil)
			ours := map[uint32]uint64{}
			for code, n := range goldentest.Counts(t, out, enip.CIPID) {
				if code != enip.IOCode {
					ours[code&0xff] += n
				}
			}
			for code, n := range extras(t, path) {
				ours[code] += n
			}
			var skip func(uint32) bool
			if connectedOnly[rel] {
				skip = func(uint32) bool { return true }
			}
			goldentest.CheckTshark(t, path, filepath.Join("testdata", "tshark", goldentest.GoldenName(rel, ".cip.txt")),
				services, ours, skip)
		})
	}
}

// connectedOnly lists the captures whose CIP connections were opened
// before the capture began.
var connectedOnly = map[string]bool{
	"attacks/quickdraw_enip_CL5000EIP-Control_Protocol_Change_Attempt.pcap": true,
}

// counting wraps the dissector to count, for every message it accepts,
// the services tshark shows beyond the one we report.
type counting struct {
	*enip.Dissector
	counts map[uint32]uint64
}

func (c counting) Dissect(m *protocols.Message) error {
	if err := c.Dissector.Dissect(m); err != nil {
		return err
	}
	for _, s := range enip.TsharkExtras(m.Payload) {
		c.counts[uint32(s)]++
	}
	return nil
}

// extras runs a capture through the Tracker with the counting dissector,
// every message dissected: the counting dissector is a Repeater too, and
// a message counted as a repeat would not reach its Dissect.
func extras(t *testing.T, path string) map[uint32]uint64 {
	c := counting{Dissector: &enip.Dissector{}, counts: map[uint32]uint64{}}
	reg, err := protocols.NewRegistry(func() protocols.Dissector { return c })
	if err != nil {
		t.Fatal(err)
	}
	h := protocolstest.New(reg, protocols.Options{DissectRepeats: true})
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dec := decode.New()
	for {
		data, ci, link, err := src.ReadPacket()
		if err != nil {
			break
		}
		var p decode.Packet
		if dec.Decode(data, ci, link, &p) != nil {
			continue
		}
		h.Packet(&p)
	}
	return c.counts
}
