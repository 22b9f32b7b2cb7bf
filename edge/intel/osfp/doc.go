// Package osfp estimates a device's operating system passively, from the
// packets it sends (V1-5), and says how sure it is.
//
// Every kind of packet the sensor forwards is read for what it tells:
// TCP SYN and SYN+ACK signatures (p0f's model, matched by package p0f),
// DHCP option 55 order and option 60, Windows browser announcements,
// HTTP User-Agent and Server headers, SSDP headers, LLDP and CDP system
// descriptions, and identity records of industrial protocols; the MAC
// vendor and a bare initial TTL are the weakest hints. Each reading is a
// piece of Evidence with a confidence from 1 to 5, the scale the portal
// shows per packet type:
//
//	5  the device names its own software: browser announcement (Windows),
//	   LLDP/CDP description, industrial identity
//	4  an exact DHCP fingerprint, a versioned DHCP vendor class
//	3  a specific TCP signature, a versioned User-Agent or Server header
//	2  a generic TCP signature or a fuzzy specific one, a DHCP list that
//	   only resembles a known one, an unversioned header
//	1  the MAC vendor's usual product, the initial TTL alone
//
// Estimate combines the evidence into one OS (see its comment for the
// rule) and keeps every piece for the device detail page.
package osfp
