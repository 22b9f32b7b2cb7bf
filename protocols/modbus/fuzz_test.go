package modbus_test

import (
	"testing"

	"mimamori/edge/decode"
	"mimamori/protocols/goldentest"
	"mimamori/protocols/modbus"
	"mimamori/protocols/protocolstest"
)

// FuzzModbus feeds arbitrary bytes to the dissector, seeded with the
// Modbus payloads of the shared captures and the unit fixtures.
func FuzzModbus(f *testing.F) {
	keep := func(p *decode.Packet) bool { return p.SrcPort == modbus.Port || p.DstPort == modbus.Port }
	for _, b := range goldentest.Payloads([]string{"modbus", "attacks", "misc-ics"}, keep, 200) {
		f.Add(b)
	}
	f.Add(hex("0001 0000 0006 01 03 0000 000a"))
	f.Add(hex("0017 0000 0011 01 2b 0e 01 01 00 00 01 00 07 56656e646f7241"))
	f.Add(hex("0009 0000 0004 00 5a 00 41"))
	reg := registry(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		protocolstest.FuzzDissector(t, reg, data)
	})
}
