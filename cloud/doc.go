// Package cloud assembles the cloud: the store, the ingest actor tree, the
// embedded MQTT broker (or a subscriber to an external one) and the portal's
// HTTP server, from one Config. `mimamori cloud` and `mimamori demo` run it.
package cloud
