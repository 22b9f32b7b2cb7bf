// Package capturetest finds the shared capture corpus for tests and loads its
// frames into memory. Only tests import it.
//
// The corpus lives in a directory named shared/pcaps next to the module
// root (the directory holding go.mod), or wherever MIMAMORI_PCAPS points.
// Tests that need it skip with a message when it is absent, so the module's
// tests pass on a machine without the corpus — except under CI=true, where
// the corpus is always provided and its absence fails the test.
package capturetest
