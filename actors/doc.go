// Package actors is the actor plumbing shared by the sensor and the cloud:
// an actor system logging through slog, bounded OneForOne supervision, and a
// Monitor that counts restarts and messages per actor so that operators can
// see the live supervision tree (E8) and sensors can report restarts upward.
package actors
