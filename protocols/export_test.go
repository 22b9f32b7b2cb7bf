package protocols

// RepeatsCounted is how many messages t has counted as repeats since its
// last flush, so that tests can tell that they exercised them.
func RepeatsCounted(t *Tracker) uint64 { return t.stats.Repeats + heldNow(t) }

// TemplatedCounted is how many of those repeats t told by a template.
func TemplatedCounted(t *Tracker) uint64 { return t.stats.Templated + heldNow(t) }

// heldNow is how many repeats t's templates hold, not yet folded in.
func heldNow(t *Tracker) uint64 {
	var n uint64
	for _, h := range t.holders {
		if h < 0 {
			for _, x := range t.ftmpls[-h-1].held {
				n += uint64(x.pend)
			}
		} else if c := &t.convs[h-1]; c.tmpl != 0 {
			for _, x := range t.tmpls.all[c.tmpl-1] {
				n += uint64(x.held.pend)
			}
		}
	}
	return n
}

// ProtocolRanks is r's rank: each protocol number's place among the IDs
// sorted.
func ProtocolRanks(r *Registry) []uint8 { return r.rank }
