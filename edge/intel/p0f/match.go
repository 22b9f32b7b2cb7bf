package p0f

// maxDistance is the most router hops between a host and the sensor for
// which an observed TTL is still taken as coming from a given initial TTL.
// Plant networks are a few hops deep; 32 keeps 64 and 128 (and 30 and 64)
// apart.
const maxDistance = 31

// tsOverhead is what the timestamp option takes from each segment: a
// window written as a multiple of the MSS is a multiple of MSS-12 when
// timestamps are on, as Linux sizes it from the effective segment.
const tsOverhead = 12

// Match is the signature an observation fits.
type Match struct {
	*Signature
	// Distance is the initial TTL minus the observed one: router hops
	// between the host and the sensor. It is 0 for the host's own segment.
	Distance int
	// Fuzzy is set when the match needed the tolerances p0f allows (DF and
	// id+ missing, id- or ECN added, an unexpected TTL).
	Fuzzy bool
}

// Match finds the signature an observed SYN (dir Request) or SYN+ACK fits:
// the first specific exact match, else the first generic exact match, else
// the first fuzzy match in the same order. Application signatures (class
// "!") match too: an NMap scan is worth knowing about.
func (db *DB) Match(dir Direction, o Sig) (Match, bool) {
	var generic, fuzzy, fuzzyGeneric *Match
	for _, s := range db.sigs {
		if s.Dir != dir {
			continue
		}
		exact, ok := fits(&s.Sig, &o)
		if !ok {
			continue
		}
		m := &Match{Signature: s, Distance: distance(&s.Sig, &o), Fuzzy: !exact}
		switch {
		case exact && !s.Label.Generic:
			return *m, true
		case exact && generic == nil:
			generic = m
		case !exact && !s.Label.Generic && fuzzy == nil:
			fuzzy = m
		case !exact && s.Label.Generic && fuzzyGeneric == nil:
			fuzzyGeneric = m
		}
	}
	for _, m := range []*Match{generic, fuzzy, fuzzyGeneric} {
		if m != nil {
			return *m, true
		}
	}
	return Match{}, false
}

// fits reports whether observation o matches s, and whether it does so
// without tolerances.
func fits(s, o *Sig) (exact, ok bool) {
	if s.Version != Any && s.Version != o.Version {
		return false, false
	}
	if s.OptLen != o.OptLen || s.EOLPad != o.EOLPad || string(s.Layout) != string(o.Layout) {
		return false, false
	}
	if s.MSS != Any && s.MSS != o.MSS {
		return false, false
	}
	if s.Scale != Any && s.Scale != o.Scale {
		return false, false
	}
	if s.Payload != Any && s.Payload != o.Payload {
		return false, false
	}
	if !windowFits(s.Win, o) {
		return false, false
	}
	// Quirks of the other IP version's header cannot be compared.
	mask := ^uint32(ipv6Quirks)
	if o.Version == 6 {
		mask = ^uint32(ipv4Quirks)
	}
	sq, oq := s.Quirks&mask, o.Quirks&mask
	ttlOK := ttlFits(s, o)
	if sq == oq && ttlOK {
		return true, true
	}
	// p0f's tolerances: df and id+ may disappear (a middlebox clearing
	// DF), id- and ecn may appear; the TTL may be off.
	lost := sq &^ oq
	gained := oq &^ sq
	if lost&^(QuirkDF|QuirkIDNonZero) == 0 && gained&^(QuirkIDZero|QuirkECN) == 0 {
		return false, true
	}
	return false, false
}

func ttlFits(s, o *Sig) bool {
	if s.TTLMax {
		return o.TTL <= s.TTL
	}
	return o.TTL <= s.TTL && s.TTL-o.TTL <= maxDistance
}

func distance(s, o *Sig) int {
	if d := s.TTL - o.TTL; d >= 0 && !s.TTLMax {
		return d
	}
	return 0
}

func windowFits(w Window, o *Sig) bool {
	win := o.Win.N
	switch w.Kind {
	case WindowAny:
		return true
	case WindowFixed:
		return win == w.N
	case WindowMSS:
		if o.MSS <= 0 {
			return false
		}
		if win == w.N*o.MSS {
			return true
		}
		return hasTS(o.Layout) && o.MSS > tsOverhead && win == w.N*(o.MSS-tsOverhead)
	case WindowMTU:
		if o.MSS <= 0 {
			return false
		}
		hdr := 40
		if o.Version == 6 {
			hdr = 60
		}
		return win == w.N*(o.MSS+hdr)
	case WindowMod:
		return win%w.N == 0
	}
	return false
}

func hasTS(layout []uint8) bool {
	for _, k := range layout {
		if k == OptTS {
			return true
		}
	}
	return false
}

// InitialTTL guesses the TTL a packet left its host with: the nearest of
// the values stacks use at or above the observed one.
func InitialTTL(observed int) int {
	for _, t := range []int{30, 32, 60, 64, 128, 255} {
		if observed <= t {
			return t
		}
	}
	return 255
}
