package slmp

import "mimamori/protocols"

var _ protocols.Repeater = (*Dissector)(nil)

// Repeat implements protocols.Repeater. The key holds what Dissect's
// outcome depends on, and nothing else:
//
//   - a tag for the frame format and direction;
//   - the length field, which Dissect checks against the payload and
//     which decides, for a response to Read Type Name, whether the sender
//     is identified;
//   - the serial number of 4E frames and of TSN requests, which Dissect
//     keeps in Message.State to match the response;
//   - a request's command and sub-command, and the part of its data that
//     names devices: the first device and its number of points of a batch
//     read or write, the whole data of a random or block access (0 when it
//     does not fit);
//   - a response's end code, and the command a TSN response repeats.
//
// Left out are the monitoring timer, network, station, module and
// multidrop numbers (binary frames; in ASCII frames they must be hex
// digits, which Repeat checks), the values a write carries and the data of
// a response: Dissect reports none of them. A 3E or 4E response does not
// say which command it answers; Dissect takes the command from the State,
// which the Tracker compares before counting a repeat. A response to Read
// Type Name identifies its sender: it is never counted as a repeat,
// because the Tracker remembers no key for a message that identified its
// sender, and a TSN response to Read Type Name gets no key at all.
func (*Dissector) Repeat(b []byte, _ bool, key *protocols.RepeatKey) int {
	// The Tracker compares whole keys and reuses one for every message:
	// bytes past the ones written here, left by a longer key, would keep
	// a repeat from being recognised.
	*key = protocols.RepeatKey{}
	if len(b) < size3E {
		return 0
	}
	switch {
	case b[1] != 0:
		return repeatASCII(b, key)
	case b[0] == 0x50 || b[0] == 0xd0:
		return repeat3E(b, key)
	}
	return repeatBinary(b, key)
}

// repeatResponseTag marks a response in a key's first byte, the tag,
// above the frame kind.
const repeatResponseTag = 0x80

// repeat3E is Repeat for binary 3E frames, nearly all SLMP traffic, at
// their fixed offsets: no serial number, no reserved bytes.
func repeat3E(b []byte, key *protocols.RepeatKey) int {
	length := int(le16(b[7:]))
	if size3E+length != len(b) {
		return 0
	}
	body := b[size3E:]
	if b[0] == 0xd0 {
		if length < responseBody {
			return 0
		}
		key[0], key[1], key[2] = byte(frame3E)|repeatResponseTag, b[7], b[8]
		key[3], key[4] = body[0], body[1] // end code
		return 5
	}
	if length < requestBody {
		return 0
	}
	key[0], key[1], key[2] = byte(frame3E), b[7], b[8]
	key[3], key[4], key[5], key[6] = body[2], body[3], body[4], body[5] // command, sub-command
	d := requestDevices(body, key[7:])
	if d < 0 {
		return 0
	}
	return 7 + d
}

// repeatBinary is Repeat for binary 4E and TSN frames.
func repeatBinary(b []byte, key *protocols.RepeatKey) int {
	var kind frameKind
	var response bool
	size, lengthAt := size4E, 11
	switch b[0] {
	case 0x54, 0xd4:
		kind, response = frame4E, b[0] == 0xd4
	case 0x68, 0xe8:
		kind, response = frameTSN, b[0] == 0xe8
		size, lengthAt = sizeTSN, 14
	default:
		return 0
	}
	// Dissect rejects a frame whose reserved bytes are not zero.
	if len(b) < size || b[4] != 0 || b[5] != 0 {
		return 0
	}
	h := header{kind: kind, response: response}
	length := int(le16(b[lengthAt:]))
	if size+length != len(b) || length < h.minBody() {
		return 0
	}
	key[0] = byte(kind)
	if response {
		key[0] |= repeatResponseTag
	}
	key[1], key[2] = b[lengthAt], b[lengthAt+1]
	n := 3
	// 4E responses are matched to their request by serial number, and
	// every request keeps its serial number in the State; TSN responses
	// repeat their command instead.
	if kind == frame4E || kind == frameTSN && !response {
		key[3], key[4] = b[2], b[3]
		n = 5
	}
	body := b[size:]
	if response {
		key[n], key[n+1] = body[0], body[1] // end code
		n += 2
		if kind == frameTSN {
			if le16(body[2:]) == cmdReadTypeName {
				return 0
			}
			key[n], key[n+1] = body[2], body[3] // command
			n += 2
		}
		return n
	}
	// Command and sub-command.
	key[n], key[n+1], key[n+2], key[n+3] = body[2], body[3], body[4], body[5]
	n += 4
	d := requestDevices(body, key[n:])
	if d < 0 {
		return 0
	}
	return n + d
}

// requestDevices writes into k the data of a binary request that names
// devices and returns how many bytes it wrote, -1 when they do not fit.
// body starts at the monitoring timer. k holds at least 15 bytes.
func requestDevices(body, k []byte) int {
	s, ok := specOf(le16(body[4:]))
	if !ok {
		return 0 // sub-commands without device ranges: the data is not read
	}
	data := body[requestBody:]
	switch le16(body[2:]) {
	case cmdDeviceRead, cmdDeviceWrite:
		// One device and its number of points; a write's values follow.
		// Fixed sizes, copied without a call.
		switch {
		case s.wide && len(data) >= 8:
			*(*[8]byte)(k) = [8]byte(data)
			return 8
		case !s.wide && len(data) >= 6:
			*(*[6]byte)(k) = [6]byte(data)
			return 6
		}
	case cmdDeviceReadRandom, cmdDeviceReadBlock, cmdDeviceWriteRandom, cmdDeviceWriteBlock:
		// Devices spread over the data (between the values of a write):
		// all of it, when it fits.
		if len(data) > len(k) {
			return -1
		}
		return copy(k, data)
	}
	return 0
}

// repeatASCII is Repeat for ASCII frames. Dissect rejects a frame whose
// routing fields are not hex digits, so Repeat checks them too and keeps
// only the values that matter, decoded.
func repeatASCII(b []byte, key *protocols.RepeatKey) int {
	h, ok, _ := parseASCIIHeader(b)
	if !ok || h.size+h.length != len(b) || h.length < h.minBody() {
		return 0
	}
	key[0] = byte(h.kind)
	if h.response {
		key[0] |= repeatResponseTag
	}
	key[1], key[2] = byte(h.length), byte(h.length>>8)
	n := 3
	if h.kind == frame4EASCII {
		key[3], key[4] = byte(h.serial), byte(h.serial>>8)
		n = 5
	}
	body := b[h.size:]
	if h.response {
		end, ok := hexField(body[:4])
		if !ok {
			return 0
		}
		key[n], key[n+1] = byte(end), byte(end>>8)
		return n + 2
	}
	cmd, sub, ok := requestCommand(b, &h)
	if !ok {
		return 0
	}
	key[n], key[n+1], key[n+2], key[n+3] = byte(cmd), byte(cmd>>8), byte(sub), byte(sub>>8)
	n += 4
	if cmd != cmdDeviceRead && cmd != cmdDeviceWrite {
		return n // only batch accesses report devices in ASCII frames
	}
	// Device, number and number of points, as asciiBatch reads them.
	var spec int
	switch sub {
	case subWord, subBit:
		spec = 2 + 6 + 4
	case subWordIQR, subBitIQR:
		spec = 4 + 8 + 4
	default:
		return n
	}
	data := body[12:]
	if len(data) < spec {
		return n
	}
	if spec > len(key)-n {
		return 0 // a 4E iQ-R batch: its fields do not fit
	}
	return n + copy(key[n:], data[:spec])
}

// RepeatMask implements protocols.RepeatMasker for binary frames: the
// subheader, the reserved bytes of 4E and TSN frames, the length, the
// serial number where it is keyed, a response's end code (and a TSN
// response's command), a request's command, sub-command and the data
// that names devices. An ASCII frame's header is checked digit by digit,
// so its keys are always asked for.
func (*Dissector) RepeatMask(b []byte, _ bool, m *protocols.RepeatMask) bool {
	if len(b) < size3E || b[1] != 0 {
		return false
	}
	m.Set(0, 2) // subheader; the zero byte tells binary from ASCII
	size, lengthAt := size3E, 7
	response, serial := false, false
	switch b[0] {
	case 0x50, 0xd0:
		response = b[0] == 0xd0
	case 0x54, 0xd4:
		size, lengthAt = size4E, 11
		response, serial = b[0] == 0xd4, true
	case 0x68, 0xe8:
		size, lengthAt = sizeTSN, 14
		response = b[0] == 0xe8
		serial = !response
	default:
		return false
	}
	if len(b) < size {
		return false
	}
	if size != size3E {
		m.Set(4, 2) // reserved
	}
	if serial {
		m.Set(2, 2)
	}
	m.Set(lengthAt, 2)
	if response {
		m.Set(size, 2) // end code
		if size == sizeTSN {
			m.Set(size+2, 2) // command
		}
		return true
	}
	m.Set(size+2, 4) // command, sub-command
	body := b[size:]
	if len(body) < requestBody {
		return true
	}
	data := len(body) - requestBody
	if s, ok := specOf(le16(body[4:])); ok {
		switch le16(body[2:]) {
		case cmdDeviceRead, cmdDeviceWrite:
			// One device and its number of points, not the values written.
			if s.wide {
				data = min(data, 8)
			} else {
				data = min(data, 6)
			}
		case cmdDeviceReadRandom, cmdDeviceReadBlock, cmdDeviceWriteRandom, cmdDeviceWriteBlock:
		default:
			data = 0
		}
	} else {
		data = 0
	}
	m.Set(size+requestBody, data)
	return true
}
