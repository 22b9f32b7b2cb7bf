// Package services names TCP and UDP ports (S1-5, V4-4, V4-5): the IANA
// registry's commonly used part as Debian netbase ships it in
// /etc/services (compiled into an embedded table by `make intel-data`),
// overlaid with the ports of industrial protocols, and per tenant with the
// customer's own names.
package services
