// Package modemtest is an LTE USB dongle in software: a pseudo-terminal
// whose far end answers AT commands the way the generic 3GPP, Huawei and
// Quectel modems the modem package supports do. Tests open its Path with
// the real serial code; `mimamori demo` uses it for a live status page.
//
// A Script describes the modem and its faults: no SIM, a PIN, no signal,
// registration denied, garbage and split lines, slow answers, a hang.
// The port can also disappear and come back (Disappear, Reappear), the
// data session can be dropped by the "network" (DropData), and the modem
// can be power-cycled (Reset). Every command received is recorded.
//
// The simulator is also a corpus: Corpus returns the raw bytes it writes
// for every script, to seed the parsers' fuzz tests.
package modemtest
