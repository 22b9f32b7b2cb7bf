package synth

import "errors"

// ErrNotIsolated means an interface is not a safe place to send generated
// traffic: only a veth pair living entirely inside a private network
// namespace is.
var ErrNotIsolated = errors.New("synth: interface is not an isolated veth")

// Transmitted counts what a Transmitter sent.
type Transmitted struct {
	Frames, Bytes uint64
}
