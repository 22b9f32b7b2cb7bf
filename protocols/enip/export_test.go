package enip

import (
	"encoding/binary"

	"mimamori/protocols"
)

// TsharkExtras lists the CIP service codes (without the reply bit) that
// tshark's cip.sc shows in an encapsulation message beyond the one service
// the dissector reports for it: the Unconnected Send around a request it
// unwraps, and the services embedded in a Multiple Service Packet, request
// or reply.
func TsharkExtras(payload []byte) []uint8 {
	if !isEncapsulation(payload) || binary.LittleEndian.Uint32(payload[8:12]) != 0 {
		return nil
	}
	cmd := binary.LittleEndian.Uint16(payload)
	if cmd != cmdSendRRData && cmd != cmdSendUnitData {
		return nil
	}
	b, ok := cipData(payload[headerLen:], cmd)
	if !ok || len(b) < 2 {
		return nil
	}
	var out []uint8
	if b[0]&svcResponse != 0 {
		if b[0]&^svcResponse != svcMultipleServicePacket || len(b) < 4 || 4+2*int(b[3]) > len(b) {
			return nil
		}
		data := b[4+2*int(b[3]):]
		for i := 0; i < services(data); i++ {
			if r, ok := embedded(data, i); ok && len(r) > 0 {
				out = append(out, r[0]&^svcResponse)
			}
		}
		return out
	}
	service, p, data, ok := request(b)
	if !ok {
		return nil
	}
	if service == svcUnconnectedSend && p.hasClass && p.class == classConnectionManager {
		if msg, ok := unconnectedSend(data); ok {
			if s, _, d, ok := request(msg); ok {
				out = append(out, svcUnconnectedSend)
				service, data = s, d
			}
		}
	}
	if service == svcMultipleServicePacket {
		for i := 0; i < services(data); i++ {
			if r, ok := embedded(data, i); ok && len(r) > 0 {
				out = append(out, r[0])
			}
		}
	}
	return out
}

var _ protocols.Dissector = (*Dissector)(nil)

// CIPData and RepeatCIPData expose the two ways of finding a CIP message
// in a SendRRData or SendUnitData body, to check that they agree.
var (
	CIPData       = cipData
	RepeatCIPData = repeatCIPData
)
