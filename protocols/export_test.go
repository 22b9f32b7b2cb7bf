package protocols

// NewTrackerCountingEach returns a Tracker that counts every message in
// its aggregate, without the conversations' entries for repeated
// messages: the reference the repeat tests compare with.
func NewTrackerCountingEach(r *Registry, opts Options) *Tracker {
	t := NewTracker(r, opts)
	t.noRepeats = true
	return t
}

// RepeatsPending counts the messages t's conversations have counted
// themselves and not yet folded into their aggregates, so that tests can
// tell that they exercised the entries.
func RepeatsPending(t *Tracker) uint64 {
	var n uint64
	for i := range t.reps {
		for j := range t.reps[i].e {
			n += uint64(t.reps[i].e[j].n)
		}
	}
	return n
}

// RepeatsHeld counts the conversations holding entries, which the flow
// table's bound must bound.
func RepeatsHeld(t *Tracker) int { return len(t.reps) - len(t.freeReps) }
