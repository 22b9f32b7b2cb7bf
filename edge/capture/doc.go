// Package capture delivers frames to the sensor's pipeline (E1): from pcap
// and pcapng files, and live from a network interface.
//
// Every source implements Source. ReadPacket returns one frame at a time in
// a buffer the source reuses, with its capture info and link type; io.EOF
// marks the end of a file. Live sources never block for long: when no frame
// arrives within their poll interval they return ErrTimeout, which lets the
// caller seal idle minutes and notice cancellation.
//
// The format of a file is sniffed from its magic number, so pcap
// (microsecond or nanosecond, either byte order), pcapng (several sections
// and interfaces with different link types, each packet reporting its own)
// and gzip-compressed copies of either all open the same way. pcap is read
// with gopacket's pcapgo.Reader under a bounded snap length; pcapng with a
// reader of this package that checks every length against its block,
// because pcapgo.NgReader allocates whatever capture length a header claims
// and panics on some timestamp resolutions. Both refuse to buffer more than
// a few hundred kilobytes however hostile the file.
//
// Live capture uses a Linux AF_PACKET socket opened directly with
// golang.org/x/sys/unix, so the sensor binary stays free of cgo and libpcap.
// pcapgo.EthernetHandle covers the same ground but its read blocks in the
// kernel with no timeout (closing the socket does not wake it), which would
// leave an idle interface unable to seal its minute or stop; it also drops
// the VLAN tag that NIC offload strips, which this source puts back into the
// frame the way libpcap does. Frames arrive through a TPACKET_V3 ring
// shared with the kernel (one poll per block of frames rather than one
// system call per frame, which is what keeps up with a gigabit mirror
// port on one core), or through recvmsg when the kernel offers no ring.
package capture
