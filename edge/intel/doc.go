// Package intel turns what the sensors observed into a device inventory:
// MAC vendor, operating system with its confidence and evidence, support
// status, role with its reasons, and importance; and the matrices and
// rankings built on them (V1-1..V1-6, V4-1..V4-6, S1-5), which the
// connected- and vulnerable-device detectors (D1-1, D1-2) read as well.
//
// Inference does not run on the sensor. The sensor forwards compact
// evidence (TCP handshake signatures, DHCP options, browser and LLDP/CDP
// announcements, HTTP and SSDP headers, industrial identities, flows) and
// the cloud, or `mimamori analyze` for a capture file, runs Build over it:
// better signatures then apply to all data at once, and roles and
// importance can use the communication graph of days, not of a minute.
//
// The pieces, each in a subpackage with its own data:
//
//	oui       MAC vendors from the IEEE registry (embedded, longest prefix wins) plus an override file
//	services  port names from the IANA registry (Debian netbase) plus industrial ports
//	p0f       p0f v3 signature files: /etc/p0f/p0f.fp read at run time, and Mimamori's own signatures
//	osfp      OS estimation from every kind of evidence, combined with a confidence of 1..5
//	eol       dated end-of-support table
//
// This package combines them: Engine holds the reference data, Build turns
// Observations into an Inventory, Accumulator merges wire batches into
// Observations, and BuildMatrix and the ranking functions present the
// inventory. docs/INVENTORY.md explains every rule and weight.
package intel
