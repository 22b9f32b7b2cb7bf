//go:build !linux

package netns

import "errors"

// Pair is only available on Linux.
type Pair struct {
	Name, A, B string
}

// Available always fails off Linux.
func Available() error { return errors.New("netns: needs Linux") }

// New always fails off Linux.
func New(name, a, b string) (*Pair, error) { return nil, Available() }

// Do never runs fn off Linux.
func (p *Pair) Do(fn func() error) error { return Available() }

// Close does nothing.
func (p *Pair) Close() error { return nil }
