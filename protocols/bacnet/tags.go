package bacnet

// BACnet's application layer encodes every parameter as a tag (§20.2.1):
// an initial octet with the tag number (bits 7-4, 15 = extended in the
// next octet), the class (bit 3: 1 = context specific) and a
// length/value/type field (bits 2-0: a length up to 4, 5 = extended
// length, and for context tags 6 = opening and 7 = closing tag).

// tag is one decoded tag header.
type tag struct {
	num     uint8
	context bool
	open    bool // context opening tag
	close   bool // context closing tag
	length  int  // content octets (0 for opening and closing tags)
	hdr     int  // header octets
}

// Application tag numbers used here.
const (
	appBoolean    = 1
	appUnsigned   = 2
	appCharString = 7
	appEnumerated = 9
	appObjectID   = 12
)

// readTag decodes the tag header at b[0]; ok is false when the header or
// its content does not fit in b.
func readTag(b []byte) (t tag, ok bool) {
	if len(b) == 0 {
		return t, false
	}
	first := b[0]
	t.num, t.context, t.hdr = first>>4, first&0x08 != 0, 1
	if t.num == 0x0f {
		if len(b) < 2 {
			return t, false
		}
		t.num, t.hdr = b[1], 2
	}
	lvt := first & 0x07
	switch {
	case t.context && lvt == 6:
		t.open = true
		return t, true
	case t.context && lvt == 7:
		t.close = true
		return t, true
	case !t.context && t.num == appBoolean:
		// A Boolean keeps its value in the length field: no content.
		return t, true
	case lvt < 5:
		t.length = int(lvt)
	default:
		if len(b) < t.hdr+1 {
			return t, false
		}
		n := int(b[t.hdr])
		t.hdr++
		switch n {
		case 254:
			if len(b) < t.hdr+2 {
				return t, false
			}
			n = int(b[t.hdr])<<8 | int(b[t.hdr+1])
			t.hdr += 2
		case 255:
			if len(b) < t.hdr+4 {
				return t, false
			}
			n = int(b[t.hdr])<<24 | int(b[t.hdr+1])<<16 | int(b[t.hdr+2])<<8 | int(b[t.hdr+3])
			t.hdr += 4
		}
		t.length = n
	}
	if t.length < 0 || len(b) < t.hdr+t.length {
		return t, false
	}
	return t, true
}

// unsigned decodes up to four content octets, big-endian.
func unsigned(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 4 {
		return 0, false
	}
	var v uint32
	for _, c := range b {
		v = v<<8 | uint32(c)
	}
	return v, true
}

// reader walks the tags of a service's parameters.
type reader struct {
	b []byte
}

// next returns the next tag and its content, advancing past both.
func (r *reader) next() (tag, []byte, bool) {
	t, ok := readTag(r.b)
	if !ok {
		return t, nil, false
	}
	content := r.b[t.hdr : t.hdr+t.length]
	r.b = r.b[t.hdr+t.length:]
	return t, content, true
}

// peek returns the next tag without advancing.
func (r *reader) peek() (tag, bool) { return readTag(r.b) }

// context reads the next tag if it is context tag num with content, and
// returns its unsigned value.
func (r *reader) context(num uint8) (uint32, bool) {
	t, ok := r.peek()
	if !ok || !t.context || t.open || t.close || t.num != num {
		return 0, false
	}
	_, c, _ := r.next()
	return unsigned(c)
}

// application reads the next tag if it is application tag num, and
// returns its content.
func (r *reader) application(num uint8) ([]byte, bool) {
	t, ok := r.peek()
	if !ok || t.context || t.num != num {
		return nil, false
	}
	_, c, _ := r.next()
	return c, true
}

// opening reads the next tag if it is opening tag num.
func (r *reader) opening(num uint8) bool {
	t, ok := r.peek()
	if !ok || !t.open || t.num != num {
		return false
	}
	r.b = r.b[t.hdr:]
	return true
}

// skipTo advances past the closing tag num that matches an opening tag
// already read, skipping nested constructed values.
func (r *reader) skipTo(num uint8) bool {
	depth := 0
	for {
		t, _, ok := r.next()
		switch {
		case !ok:
			return false
		case t.open:
			depth++
		case t.close && depth > 0:
			depth--
		case t.close:
			return t.num == num
		}
	}
}

// objectID splits a BACnetObjectIdentifier: object type in the high 10
// bits, instance in the low 22.
func objectID(c []byte) (typ uint16, instance uint32, ok bool) {
	if len(c) != 4 {
		return 0, 0, false
	}
	v, _ := unsigned(c)
	return uint16(v >> 22), v & 0x3fffff, true
}
