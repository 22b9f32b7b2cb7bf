package slmp

import "mimamori/protocols"

var _ protocols.Repeater = Dissector{}

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
func (Dissector) Repeat(b []byte, _ bool, key *protocols.RepeatKey) int {
	// The Tracker compares whole keys and reuses one for every message:
	// bytes past the ones written here, left by a longer key, would keep
	// a repeat from being recognised.
	*key = protocols.RepeatKey{}
	if len(b) < size3E {
		return 0
	}
	if b[1] != 0 {
		return repeatASCII(b, key)
	}
	var kind frameKind
	var response bool
	switch b[0] {
	case 0x50, 0xd0:
		kind, response = frame3E, b[0] == 0xd0
	case 0x54, 0xd4:
		kind, response = frame4E, b[0] == 0xd4
	case 0x68, 0xe8:
		kind, response = frameTSN, b[0] == 0xe8
	default:
		return 0
	}
	size, lengthAt := size3E, 7
	switch kind {
	case frame4E:
		size, lengthAt = size4E, 11
	case frameTSN:
		size, lengthAt = sizeTSN, 14
	}
	if len(b) < size || kind != frame3E && (b[4] != 0 || b[5] != 0) {
		return 0
	}
	h := header{kind: kind, response: response}
	length := int(le16(b[lengthAt:]))
	if size+length != len(b) || length < h.minBody() {
		return 0
	}
	key[0] = byte(kind) | repeatResponse(response)
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
	s, ok := specOf(le16(body[4:]))
	if !ok {
		return n // sub-commands without device ranges: the data is not read
	}
	data := body[requestBody:]
	switch le16(body[2:]) {
	case cmdDeviceRead, cmdDeviceWrite:
		// One device and its number of points; a write's values follow.
		if len(data) >= s.size+2 {
			n += copy(key[n:], data[:s.size+2])
		}
	case cmdDeviceReadRandom, cmdDeviceReadBlock, cmdDeviceWriteRandom, cmdDeviceWriteBlock:
		// Devices spread over the data (between the values of a write):
		// all of it, when it fits.
		if len(data) > len(key)-n {
			return 0
		}
		n += copy(key[n:], data)
	}
	return n
}

// repeatResponse marks a response in a key's tag, above the frame kind.
func repeatResponse(response bool) byte {
	if response {
		return 0x80
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
	key[0] = byte(h.kind) | repeatResponse(h.response)
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
