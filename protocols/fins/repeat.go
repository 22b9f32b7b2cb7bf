package fins

import (
	"encoding/binary"

	"mimamori/protocols"
)

var _ protocols.Repeater = (*Dissector)(nil)

// The first byte of a repeat key says what follows: a command or a
// response, as a UDP datagram or behind a FINS/TCP header.
const (
	keyCommand  = 1
	keyResponse = 2
	keyTCP      = 4 // added to the above
)

// maxRepeatItems bounds the items of a Multiple Memory Area Read that fit
// in a repeat key after its first three bytes.
const maxRepeatItems = 5

// Repeat implements protocols.Repeater. The key is the ICF's data-type
// bit, the command code and what Dissect reports: in a command the
// addresses and count of a memory area command and the parameter of
// Controller Data Read, in a response its masked end code. Left out are
// the routing bytes of the header (gateway count, node addresses), the
// SID, the data written and read, and the end code's flag bits, which
// Dissect never reports. A FINS/TCP frame repeats only as a FINS frame
// sent without error, its length checked as Dissect checks it; a UDP
// datagram only with its reserved byte zero, which the FINS/TCP magic
// never has. A Controller Data Read response identifies its sender and is
// never a repeat, nor is a Multiple Memory Area Read of more items than
// fit in the key.
func (*Dissector) Repeat(b []byte, _ bool, key *protocols.RepeatKey) int {
	// The Tracker compares whole keys: clear what an earlier, longer key
	// left.
	*key = protocols.RepeatKey{}
	if len(b) >= tcpHeaderLen && string(b[:4]) == tcpMagic {
		if tcpLenField+int(binary.BigEndian.Uint32(b[4:8])) != len(b) ||
			binary.BigEndian.Uint32(b[8:12]) != tcpFrameSend || binary.BigEndian.Uint32(b[12:16]) != 0 {
			return 0
		}
		// Dissected as a datagram instead, such a payload is always the
		// same response without error: the key decides that too.
		return frameKey(b[tcpHeaderLen:], keyTCP, key)
	}
	if len(b) < 2 || b[1] != 0 {
		return 0
	}
	return frameKey(b, 0, key)
}

// frameKey writes the repeat key of the FINS frame b, its first byte
// tagged with tcp.
func frameKey(b []byte, tcp byte, key *protocols.RepeatKey) int {
	if len(b) < commandLen {
		return 0
	}
	key[1], key[2] = b[headerLen], b[headerLen+1]
	cmd := binary.BigEndian.Uint16(b[headerLen:])
	if b[0]&icfResponse != 0 {
		key[0] = keyResponse + tcp
		if len(b) < responseLen {
			return 3
		}
		end := binary.BigEndian.Uint16(b[commandLen:]) & endCodeMask
		if end == 0 && cmd == cmdControllerDataRead {
			return 0 // an identity, and it clears the State
		}
		key[3], key[4] = byte(end>>8), byte(end)
		return 5
	}
	key[0] = keyCommand + tcp
	d := b[commandLen:]
	k, ok := commandKeyed(cmd, len(d))
	if !ok {
		return 0
	}
	return 3 + copy(key[3:], d[:k])
}

// commandKeyed returns how many leading bytes of a command's data, n
// bytes long, Dissect reports, and false for a command never repeated.
func commandKeyed(cmd uint16, n int) (k int, ok bool) {
	switch cmd {
	case cmdMemoryAreaRead, cmdMemoryAreaWrite, cmdMemoryAreaFill:
		if n >= addrLen+2 {
			k = addrLen + 2 // address, count
		}
	case cmdMultipleMemoryRead:
		// Every whole item is an address; a partial one is ignored.
		if n > maxRepeatItems*addrLen+addrLen-1 {
			return 0, false
		}
		k = n / addrLen * addrLen
	case cmdMemoryAreaTransfer:
		if n >= 2*addrLen+2 {
			k = 2*addrLen + 2 // source, destination, count
		}
	case cmdControllerDataRead:
		k = min(n, 1) // the parameter, which becomes the State
	}
	return k, true
}

// RepeatMask implements protocols.RepeatMasker: a FINS/TCP frame's
// header, and of the FINS frame the ICF, the reserved byte (which keeps a
// datagram from reading as FINS/TCP), the command code and the end code
// or command data keyed.
func (*Dissector) RepeatMask(b []byte, _ bool, m *protocols.RepeatMask) bool {
	base := 0
	if len(b) >= tcpHeaderLen && string(b[:4]) == tcpMagic {
		m.Set(0, tcpHeaderLen)
		base = tcpHeaderLen
	}
	f := b[base:]
	if len(f) < commandLen {
		return false
	}
	m.Set(base, 2)
	m.Set(base+headerLen, 2)
	if f[0]&icfResponse != 0 {
		if len(f) >= responseLen {
			m.Set(base+commandLen, 2)
		}
		return true
	}
	k, _ := commandKeyed(binary.BigEndian.Uint16(f[headerLen:]), len(f)-commandLen)
	m.Set(base+commandLen, k)
	return true
}
