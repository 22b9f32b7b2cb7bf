//go:build !linux

package synth

import "fmt"

// Transmitter is only available on Linux.
type Transmitter struct{}

// OpenTransmitter always fails off Linux.
func OpenTransmitter(iface string) (*Transmitter, error) {
	return nil, fmt.Errorf("%w: %s: live transmission needs Linux", ErrNotIsolated, iface)
}

// Isolated always fails off Linux.
func Isolated(iface string) error {
	return fmt.Errorf("%w: %s: live transmission needs Linux", ErrNotIsolated, iface)
}

// Send is never reached: OpenTransmitter fails.
func (t *Transmitter) Send([]byte) error { return ErrNotIsolated }

// Sent is zero.
func (t *Transmitter) Sent() Transmitted { return Transmitted{} }

// Close does nothing.
func (t *Transmitter) Close() error { return nil }
