package capture

import "time"

// LiveOptions tune a live capture. The zero value is what a sensor wants:
// promiscuous, full frames, an 8 MiB socket buffer, a 250 ms poll.
type LiveOptions struct {
	// SnapLen is the most bytes kept per frame (default 65535).
	SnapLen int
	// DisablePromiscuous leaves the interface's promiscuous mode alone.
	// A mirror port needs promiscuous mode, so it is on unless disabled.
	DisablePromiscuous bool
	// BufferBytes is the socket receive buffer (default 8 MiB).
	BufferBytes int
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
		o.BufferBytes = 8 << 20
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 250 * time.Millisecond
	}
	return o
}
