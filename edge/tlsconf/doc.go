// Package tlsconf is the TLS of the link between sensors and the cloud's
// MQTT broker: the trust a client places in the broker (the system's
// roots, or a private CA's certificates from a file) and the broker's own
// certificate, read again when its files change so that a renewed
// certificate is served without a restart. The sensor's uplink, the
// embedded broker and the cloud's subscriber to an external broker use it.
package tlsconf
