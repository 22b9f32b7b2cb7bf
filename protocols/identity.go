package protocols

// idKey identifies one device's identity in one protocol during a minute:
// its IP address (16-byte form) for IP protocols, its MAC for layer-2 ones.
type idKey struct {
	addr  [16]byte
	vlan  uint16
	proto uint8
	l2    bool
	v6    bool
}

// identity is a kept Identity, its text already copied.
type identity struct {
	key                                            idKey
	mac                                            [6]byte
	hasMAC                                         bool
	vendor, product, model, serial, firmware, name string
	seen                                           int64
	attrs                                          [MaxIdentityAttrs]Attr
	nattrs                                         uint8
	// writer names the conversation and direction that recorded the
	// latest report (repeatToken), 0 for a layer-2 one: while it stays
	// the writer, its repeats would record exactly what is kept.
	writer uint64
	// holder is the slot + 1 of the conversation holding repeats of
	// this report in a template (template.go), 0 for none.
	holder int32
}

// identities keeps the minute's identities in a bounded table. The latest
// report of a device wins; reports identical to the kept one cost no
// allocation.
type identities struct {
	index   map[idKey]int32
	ids     []identity
	max     int
	dropped uint64
}

func newIdentities(max int) identities {
	return identities{index: make(map[idKey]int32, min(max, 64)), max: max}
}

// slot returns the index of k's identity, creating it, or -1 when the
// table is full (the report is then counted as dropped).
func (t *identities) slot(k *idKey) int32 {
	if i, ok := t.index[*k]; ok {
		return i
	}
	if len(t.ids) >= t.max {
		t.dropped++
		return -1
	}
	t.ids = append(t.ids, identity{key: *k})
	i := int32(len(t.ids) - 1)
	t.index[*k] = i
	return i
}

// record keeps a report in identity i. Devices repeat the same report
// (CC-Link IE Field Basic slaves in every cyclic response), so each field
// is compared before it is stored.
func (t *identities) record(i int32, mac [6]byte, hasMAC bool, vendor string, id *Identity, ts int64, writer uint64) {
	e := &t.ids[i]
	e.writer = writer
	if hasMAC {
		e.mac, e.hasMAC = mac, true
	}
	e.seen = max(e.seen, ts)
	if len(id.Vendor) > 0 {
		keepText(&e.vendor, id.Vendor)
	} else if e.vendor == "" {
		e.vendor = vendor
	}
	// Most reports leave most fields empty: test that inline.
	if len(id.Product) > 0 {
		keepText(&e.product, id.Product)
	}
	if len(id.Model) > 0 {
		keepText(&e.model, id.Model)
	}
	if len(id.Serial) > 0 {
		keepText(&e.serial, id.Serial)
	}
	if len(id.Firmware) > 0 {
		keepText(&e.firmware, id.Firmware)
	}
	if len(id.Name) > 0 {
		keepText(&e.name, id.Name)
	}
	if !sameAttrs(e.attrs[:e.nattrs], id.Attrs()) {
		e.nattrs = id.n
		for j := range e.nattrs {
			e.attrs[j].set(id.attrs[j].Key, &id.attrs[j].Value)
		}
	}
}

// touch records a report identical to the one kept, by its writer: only
// the sender's MAC and the time can differ.
func (t *identities) touch(i int32, mac [6]byte, hasMAC bool, ts int64) {
	e := &t.ids[i]
	if hasMAC {
		e.mac, e.hasMAC = mac, true
	}
	e.seen = max(e.seen, ts)
}

// sameAttrs reports whether two lists of details are the same (false
// also when they differ only in where their constant strings are).
func sameAttrs(x, y []Attr) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !identical(&x[i], &y[i]) {
			return false
		}
	}
	return true
}

func (t *identities) reset() {
	clear(t.index)
	clear(t.ids) // drop the strings
	t.ids = t.ids[:0]
	t.dropped = 0
}

// keepText stores the printable form of b in *dst unless b is empty or
// already stored. Devices pad fixed-width fields with spaces or NULs and
// may put anything in them, so text ends at the first NUL, is trimmed of
// spaces, and bytes outside printable ASCII become '?'.
func keepText(dst *string, b []byte) {
	b = trimField(b)
	if len(b) == 0 || string(b) == *dst {
		return
	}
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	*dst = string(out)
}

// trimField cuts b at its first NUL and trims surrounding spaces.
func trimField(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}
