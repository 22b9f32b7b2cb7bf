package protocols

import (
	"cmp"
	"fmt"
	"slices"
)

// Registry is an immutable set of dissectors and the tables that route
// traffic to them: TCP and UDP server ports, EtherTypes, and the order in
// which heuristics are tried. Build one with NewRegistry (protocols/all
// offers the full set); it is safe to share between Trackers.
type Registry struct {
	ds    []Dissector
	infos []Info
	// repeaters[i] is ds[i] as a Repeater or StateRepeater.
	repeaters []repeaterOf
	// tcp and udp map a port to its dissector's index + 1 (0: none).
	tcp, udp *[65536]uint8
	// heurTCP and heurUDP list dissector indexes in registry order.
	heurTCP, heurUDP []uint8
	ether            []etherRoute
	// ids lists every protocol ID: each dissector's ID followed by its
	// variants. Events and identities are keyed by a protocol number,
	// an index into ids + 1; base[i] is dissector i's first number.
	ids  []string
	base []uint8
	// rank is each protocol number's place (less one) among the IDs
	// sorted, so that a minute's events are sorted by ID without
	// comparing strings.
	rank []uint8
}

type etherRoute struct {
	etherType uint16
	idx       uint8
}

// NewRegistry builds a registry from constructors, in order. The order
// matters only for heuristics: they are tried in it, so list the most
// specific first.
func NewRegistry(cs ...Constructor) (*Registry, error) {
	if len(cs) > 255 {
		return nil, ErrTooMany
	}
	r := &Registry{tcp: new([65536]uint8), udp: new([65536]uint8)}
	seen := map[string]bool{}
	for i, c := range cs {
		d := c()
		info := d.Info()
		if !validID(info.ID) {
			return nil, fmt.Errorf("%w: %q", ErrInvalidID, info.ID)
		}
		for _, id := range append([]string{info.ID}, info.Variants...) {
			if !validID(id) {
				return nil, fmt.Errorf("%w: %q", ErrInvalidID, id)
			}
			if seen[id] {
				return nil, fmt.Errorf("%w: %q", ErrDuplicateID, id)
			}
			seen[id] = true
		}
		if len(r.ids)+1+len(info.Variants) > 255 {
			return nil, ErrTooMany
		}
		r.base = append(r.base, uint8(len(r.ids)+1))
		r.ids = append(r.ids, info.ID)
		r.ids = append(r.ids, info.Variants...)
		idx := uint8(i)
		for _, p := range info.TCPPorts {
			if err := claim(r.tcp, p, idx, r.infos, "tcp", info.ID); err != nil {
				return nil, err
			}
		}
		for _, p := range info.UDPPorts {
			if err := claim(r.udp, p, idx, r.infos, "udp", info.ID); err != nil {
				return nil, err
			}
		}
		for _, et := range info.EtherTypes {
			for _, e := range r.ether {
				if e.etherType == et {
					return nil, fmt.Errorf("%w: EtherType 0x%04x by %s and %s", ErrPortClaimed, et, r.infos[e.idx].ID, info.ID)
				}
			}
			r.ether = append(r.ether, etherRoute{et, idx})
		}
		if info.Heuristic&TCP != 0 {
			r.heurTCP = append(r.heurTCP, idx)
		}
		if info.Heuristic&UDP != 0 {
			r.heurUDP = append(r.heurUDP, idx)
		}
		r.ds = append(r.ds, d)
		r.infos = append(r.infos, info)
		rp, _ := d.(Repeater)
		sr, _ := d.(StateRepeater)
		if rp != nil && sr != nil {
			return nil, fmt.Errorf("%w: %s", ErrRepeaterKinds, info.ID)
		}
		mk, _ := d.(RepeatMasker)
		if rp == nil {
			mk = nil // RepeatMask is a Repeater's
		}
		var sm StateMasker
		if sr != nil {
			sm, _ = d.(StateMasker)
		}
		r.repeaters = append(r.repeaters, repeaterOf{rp, sr, mk, sm})
	}
	byID := make([]int, len(r.ids))
	for i := range byID {
		byID[i] = i
	}
	slices.SortFunc(byID, func(x, y int) int { return cmp.Compare(r.ids[x], r.ids[y]) })
	r.rank = make([]uint8, len(r.ids))
	for place, i := range byID {
		r.rank[i] = uint8(place)
	}
	return r, nil
}

// repeaterOf is a dissector as a Repeater or as a StateRepeater (at most
// one is set), and as a RepeatMasker or StateMasker.
type repeaterOf struct {
	plain     Repeater
	state     StateRepeater
	mask      RepeatMasker // plain's, if it names its keys' bytes
	stateMask StateMasker  // state's, if it names its keys' bytes
}

func claim(table *[65536]uint8, port uint16, idx uint8, infos []Info, transport, id string) error {
	if prev := table[port]; prev != 0 {
		return fmt.Errorf("%w: %s port %d by %s and %s", ErrPortClaimed, transport, port, infos[prev-1].ID, id)
	}
	table[port] = idx + 1
	return nil
}

// validID accepts lowercase letters, digits and underscores, starting
// with a letter.
func validID(id string) bool {
	if id == "" || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// protocol returns the protocol number of a message of dissector index + 1
// that chose variant v.
func (r *Registry) protocol(disp, v uint8) uint8 {
	if int(v) > len(r.infos[disp-1].Variants) {
		v = 0
	}
	return r.base[disp-1] + v
}

// IDs returns every protocol ID the registry reports under: each
// dissector's ID followed by its variants, in registry order.
func (r *Registry) IDs() []string { return append([]string(nil), r.ids...) }

// Len returns the number of dissectors.
func (r *Registry) Len() int { return len(r.ds) }

// Info returns the description of every dissector, in registry order.
func (r *Registry) Info() []Info { return append([]Info(nil), r.infos...) }

// Lookup returns the dissector with the given protocol ID.
func (r *Registry) Lookup(id string) (Dissector, bool) {
	for i := range r.infos {
		if r.infos[i].ID == id {
			return r.ds[i], true
		}
	}
	return nil, false
}

// portOwner returns the index + 1 of the dissector serving port on t, or 0.
func (r *Registry) portOwner(t Transport, port uint16) uint8 {
	if t == TCP {
		return r.tcp[port]
	}
	return r.udp[port]
}

// heuristics returns the dissectors to probe on t, in order.
func (r *Registry) heuristics(t Transport) []uint8 {
	if t == TCP {
		return r.heurTCP
	}
	return r.heurUDP
}

// etherOwner returns the index + 1 of the dissector for an EtherType, or 0.
func (r *Registry) etherOwner(et uint16) uint8 {
	for _, e := range r.ether {
		if e.etherType == et {
			return e.idx + 1
		}
	}
	return 0
}
