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

func (t *identities) record(k *idKey, mac [6]byte, hasMAC bool, vendor string, id *Identity, ts int64) {
	i, ok := t.index[*k]
	if !ok {
		if len(t.ids) >= t.max {
			t.dropped++
			return
		}
		t.ids = append(t.ids, identity{key: *k})
		i = int32(len(t.ids) - 1)
		t.index[*k] = i
	}
	e := &t.ids[i]
	if hasMAC {
		e.mac, e.hasMAC = mac, true
	}
	e.seen = max(e.seen, ts)
	if len(id.Vendor) > 0 {
		keepText(&e.vendor, id.Vendor)
	} else if e.vendor == "" {
		e.vendor = vendor
	}
	keepText(&e.product, id.Product)
	keepText(&e.model, id.Model)
	keepText(&e.serial, id.Serial)
	keepText(&e.firmware, id.Firmware)
	keepText(&e.name, id.Name)
	e.attrs, e.nattrs = id.attrs, id.n
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
