// Package firmware identifies the running sensor and cloud software. Signed
// update bundles and daily signature updates (E6, C10) will live here too.
package firmware
