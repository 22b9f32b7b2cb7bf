// Package netns creates a private network namespace holding a veth pair,
// so tests and benchmarks can send generated traffic over a real
// interface and capture it with the sensor's AF_PACKET source, without a
// single frame reaching the host's own namespace or any network. It needs
// root and iproute2's ip(8); Available says whether both are there.
//
// Sockets opened inside Do stay bound to the namespace after Do returns,
// which is how a transmitter and a capture source end up on the two ends
// of the pair while the rest of the program runs in the host namespace.
// Close deletes the namespace; close the sockets first.
package netns
