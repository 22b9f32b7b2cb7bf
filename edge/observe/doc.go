// Package observe turns decoded frames into the minute's device
// observations and name bindings (E2), the sensor's input to the cloud's
// inventory (V1-1, V1-2: the ARP, DHCP, name-resolution and IP-traffic log
// types).
//
// A Table watches every frame and learns, per MAC address, when it was first
// and last seen, what it sent and received, its VLAN, and which IP addresses
// are bound to it, together with how each binding was seen: ARP, IPv6
// Neighbor Discovery, DHCPv4 or plain IP traffic. DHCP also yields the
// client's host name, parameter request list and vendor class, which the
// cloud uses to recognise the device's operating system.
//
// Names come from resolution answers the sensor overhears: DNS (UDP and
// single-segment TCP), mDNS, LLMNR and NetBIOS (name-service answers and
// registrations, and the source name of browser datagrams), plus DHCP host
// names for leased addresses.
//
// The payload parsers are written for the hot path: they read the frame in
// place and do not allocate once a device or binding has been seen in the
// minute. Memory is bounded by Options; what does not fit is counted rather
// than stored. Flush hands over the minute and starts the next one.
//
// A Table is not safe for concurrent use: one capture pipeline owns it.
package observe
