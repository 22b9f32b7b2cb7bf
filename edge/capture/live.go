package capture

import "time"

// LiveOptions tune a live capture. The zero value is what a sensor wants:
// promiscuous, full frames, a 32 MiB memory-mapped ring, a 250 ms poll.
type LiveOptions struct {
	// SnapLen is the most bytes kept per frame (default 65535).
	SnapLen int
	// DisablePromiscuous leaves the interface's promiscuous mode alone.
	// A mirror port needs promiscuous mode, so it is on unless disabled.
	DisablePromiscuous bool
	// BufferBytes is the size of the receive ring, or of the socket
	// receive buffer without one (default 32 MiB: about 0.25 s of a
	// saturated gigabit link).
	BufferBytes int
	// DisableRing reads one frame per system call instead of through a
	// TPACKET_V3 ring shared with the kernel. The ring is used whenever
	// the kernel offers it; this is for comparison and diagnosis.
	DisableRing bool
	// PollInterval is how long ReadPacket waits before returning
	// ErrTimeout (default 250 ms).
	PollInterval time.Duration
}

func (o LiveOptions) withDefaults() LiveOptions {
	if o.SnapLen <= 0 {
		o.SnapLen = 65535
	}
	if o.SnapLen > maxSnapLen {
		o.SnapLen = maxSnapLen
	}
	if o.BufferBytes <= 0 {
		o.BufferBytes = 32 << 20
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 250 * time.Millisecond
	}
	return o
}
