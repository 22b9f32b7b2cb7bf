// Package synth generates deterministic synthetic factory traffic: valid
// Ethernet frames of a whole plant, with ground truth for every host. It
// feeds `mimamori demo`, benchmarks and end-to-end tests, and writes pcap
// files that Wireshark and the sensor's own dissectors read like a capture.
//
// The plant is described declaratively by a Factory: subnets, hosts (name,
// role, vendor, model, OS, MAC with a real OUI, IP, VLAN, TCP/IP stack,
// boot time), Talks (who polls whom, with which protocol, how often, in
// long-lived or short connections) and CC-Link IE Field Basic groups.
// DefaultFactory(cells) builds a representative plant; callers may clone
// and edit it, or write their own. Background behaviour follows from the
// description: gratuitous ARP at boot and ARP before first contact, DHCP for
// DHCP clients, NetBIOS/LLMNR/mDNS chatter for desktops, LLDP and RSTP
// BPDUs for switches, DNS lookups where a Talk asks for them.
//
// Frames are built by hand into one reused buffer with correct lengths and
// checksums. TCP conversations start with a real handshake carrying each
// OS's SYN options, advance sequence and acknowledgement numbers segment by
// segment, acknowledge with the peer's delayed-ACK behaviour, and end with
// FIN when a Talk uses short connections. Application payloads follow the
// protocol layouts in the project's OT protocol reference (SLMP 3E, CC-Link
// IE Field Basic, FINS, Modbus/TCP, S7comm, EtherNet/IP/CIP) and the usual
// RFCs for the IT protocols.
//
// Capture model: the sensor sees each frame once, as its sender put it on
// the wire. A packet between subnets therefore shows the sender's MAC and
// VLAN and the router's MAC as destination, with the sender's original TTL.
//
// Determinism: every random choice comes from math/rand/v2 PCG sources
// seeded by Config.Seed and a stable per-process key, so the same Seed and
// Start give byte-identical output, and adding a conversation to a factory
// does not disturb the others.
//
// Scale: a Plant is a shorter description of a whole site (devices,
// connections per minute, OT share, bit rate, mean frame size, a weekly
// shift Schedule) from which Build derives a Factory of up to a few
// thousand devices: production cells, SCADA servers, an engineering
// workstation that transfers programs in working hours, office desktops
// (including one Windows 7 and one Windows XP) behind a web proxy, and
// CC-Link IE Field networks. Build measures the machine traffic with a
// short run of the generator and sizes the office web traffic to meet the
// targets; DefaultFactory, which the demo uses, is unchanged by it.
//
// Attacks: Config.Attacks injects labelled attacks (new device, ARP
// spoofing, host and port scans, PLC STOP/RUN and memory writes over SLMP,
// FINS, S7 and CIP, program downloads, floods, an off-hours transfer, an
// end-of-life OS joining, a known IDS signature). Generator.Labels reports
// each one as it happened, and LabelFile is the JSON document written next
// to a capture (docs/SIMULATOR.md).
//
// Outputs: New and Next pull frames; NewSource adapts a generator to
// capture.Source (optionally paced in real time) for the demo; WritePcap and
// WriteCapture write pcap or pcapng; and Transmitter sends frames onto a
// veth pair inside a private network namespace, only after Isolated has
// checked that nothing there leads out of the machine and with every
// address moved into 127.0.0.0/8 (Config.Loopback, CheckLoopback).
package synth
