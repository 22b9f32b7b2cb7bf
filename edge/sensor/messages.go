package sensor

import (
	"mimamori/edge/wire/wirepb"
)

// minuteSealed carries one source's data for one minute to the batcher.
type minuteSealed struct {
	source string
	batch  *wirepb.Batch
}

// sourceStarted registers a source with the batcher, so it waits for it.
type sourceStarted struct{ source string }

// sourceFinished tells the batcher a source has no more minutes: it ended
// (a file's last frame) or its capture gave up and waits to be respawned.
type sourceFinished struct {
	source string
	ended  bool
}

// captureFailed is sent by a capture actor's read loop to its own actor so
// that the failure happens inside the actor and supervision restarts it.
type captureFailed struct{ err error }

// healthSampled carries a health sample to the batcher.
type healthSampled struct{ health *wirepb.Health }

// batchSpooled tells the uplink actor that a new batch is waiting.
type batchSpooled struct{ seq uint64 }

// sealDue asks the batcher to seal minutes whose grace period is over.
type sealDue struct{}

// flushAll asks the batcher to seal everything pending (shutdown, end of replay).
type flushAll struct{ done chan struct{} }
