// Package p0f reads p0f v3 fingerprint files and matches TCP SYN and
// SYN+ACK observations against them: initial TTL, window size (fixed or a
// multiple of the MSS or MTU), MSS, window scale, option layout, IP and
// TCP quirks and payload class, as the p0f README (section 5) defines the
// format. Only the TCP sections are used.
//
// Debian's p0f package installs its database at /etc/p0f/p0f.fp under the
// LGPL; it is read at run time when present, never shipped. Mimamori's own
// signatures (mimamori.fp, embedded) cover what that database lacks —
// Windows 10/11, Linux 4.x and newer, Cisco IOS, Siemens and VxWorks
// controllers, small RTOS stacks — and are matched first.
//
// Matching follows p0f's precedence: an exact specific signature, then an
// exact generic one, then a specific and finally a generic signature with
// p0f's tolerances (DF and id+ may vanish, id- and ECN may appear, the TTL
// may be off).
package p0f
