package protocols

// RepeatsCounted is how many messages t has counted as repeats since its
// last flush, so that tests can tell that they exercised them.
func RepeatsCounted(t *Tracker) uint64 { return t.stats.Repeats }
