package synth

import (
	"strings"
	"unicode/utf16"
)

// SMB1 (CIFS) as Windows XP speaks it to a file server: NEGOTIATE offering
// the legacy dialect list, TREE_CONNECT_ANDX to the share, then
// READ_ANDX. That an XP host still negotiates "NT LM 0.12" is exactly what
// lets a passive sensor spot an end-of-life OS on the network. As in the
// SMB2 app, session setup is left out.

const (
	smb1Negotiate   = 0x72
	smb1TreeConnect = 0x75
	smb1ReadAndX    = 0x2e

	smb1FlagsReply = 0x80
	smb1ReadMax    = 16 << 10 // XP reads 16 KB at a time without large-read support
)

// smb1Dialects is XP's negotiate list, ending with the one servers pick.
var smb1Dialects = []string{
	"PC NETWORK PROGRAM 1.0", "LANMAN1.0", "Windows for Workgroups 3.1a",
	"LM1.2X002", "LANMAN2.1", "NT LM 0.12",
}

type smb1App struct {
	noise  []byte
	share  []byte // UTF-16LE \\SERVER\SHARE with terminator
	pid    uint16
	mid    uint16
	tid    uint16
	cmd    byte
	offset uint32
	count  int
}

func newSMB1(g *Generator, c, s *host) *smb1App {
	a := &smb1App{noise: g.noise, pid: 0x0fe0 + uint16(c.ip[3])}
	for _, u := range utf16.Encode([]rune(`\\` + strings.ToUpper(s.Name) + `\SHARE`)) {
		a.share = le16(a.share, u)
	}
	a.share = le16(a.share, 0)
	return a
}

// header appends the NetBIOS session header and the 32-byte SMB1 header.
func (a *smb1App) header(b []byte, cmd byte, reply bool) []byte {
	b = append(b, 0, 0, 0, 0, 0xff, 'S', 'M', 'B', cmd)
	b = le32(b, 0)      // status
	flags := byte(0x18) // canonicalised paths, case insensitive
	if reply {
		flags |= smb1FlagsReply
	}
	b = append(b, flags)
	b = le16(b, 0xc807) // flags2: unicode, NT status, extended security, long names
	b = le16(b, 0)      // PID high
	b = zeros(b, 8)     // security features
	b = le16(b, 0)      // reserved
	b = le16(b, a.tid)
	b = le16(b, a.pid)
	b = le16(b, 0) // UID
	return le16(b, a.mid)
}

func (a *smb1App) request(b []byte, x *exchange) []byte {
	start := len(b)
	a.mid++
	switch x.n {
	case 0:
		a.cmd, a.tid, a.offset = smb1Negotiate, 0, 0
		b = a.header(b, smb1Negotiate, false)
		b = append(b, 0) // word count
		n := 0
		for _, d := range smb1Dialects {
			n += len(d) + 2
		}
		b = le16(b, uint16(n))
		for _, d := range smb1Dialects {
			b = append(b, 0x02)
			b = append(b, d...)
			b = append(b, 0)
		}
	case 1:
		a.cmd = smb1TreeConnect
		b = a.header(b, smb1TreeConnect, false)
		b = append(b, 4, 0xff, 0) // word count, no AndX command, reserved
		b = le16(b, 0)            // AndX offset
		b = le16(b, 0x0008)       // flags: extended response
		b = le16(b, 1)            // password length
		b = le16(b, uint16(1+len(a.share)+6))
		b = append(b, 0) // password; the path after it is 16-bit aligned
		b = append(b, a.share...)
		b = append(b, "?????"...)
		b = append(b, 0)
	default:
		a.cmd = smb1ReadAndX
		a.tid = 0x0800
		a.count = smb1ReadMax
		b = a.header(b, smb1ReadAndX, false)
		b = append(b, 12, 0xff, 0) // word count, no AndX
		b = le16(b, 0)
		b = le16(b, 0x4001) // FID
		b = le32(b, a.offset)
		b = le16(b, uint16(a.count))
		b = le16(b, uint16(a.count))
		b = le32(b, 0) // timeout
		b = le16(b, 0) // remaining
		b = le32(b, 0) // offset high
		b = le16(b, 0) // byte count
	}
	return smbDone(b, start)
}

func (a *smb1App) response(b []byte, x *exchange) []byte {
	start := len(b)
	b = a.header(b, a.cmd, true)
	switch a.cmd {
	case smb1Negotiate:
		b = append(b, 17)
		b = le16(b, uint16(len(smb1Dialects)-1)) // NT LM 0.12
		b = append(b, 0x03)                      // user security, encrypted passwords
		b = le16(b, 50)                          // max multiplex
		b = le16(b, 1)                           // max VCs
		b = le32(b, 16644)                       // max buffer
		b = le32(b, 65536)                       // max raw
		b = le32(b, 0)                           // session key
		b = le32(b, 0x8001e3fc)                  // capabilities, extended security
		b = le64(b, filetime(x.now))
		b = le16(b, 0xfde4) // time zone: UTC+9 in minutes west, negated
		b = append(b, 0)    // challenge length (extended security)
		b = le16(b, uint16(16+len(spnegoInit)))
		guid := [16]byte{0x5a, 0x11, 0x0c, 0x3e}
		copy(guid[4:], x.s.Name)
		b = append(b, guid[:]...)
		b = append(b, spnegoInit...)
	case smb1TreeConnect:
		a.tid = 0x0800
		b = append(b, 3, 0xff, 0)
		b = le16(b, 0)
		b = le16(b, 0x0001) // optional support: search bits
		b = le16(b, 3+10)
		b = append(b, "A:"...)
		b = append(b, 0) // the file system name after it is 16-bit aligned
		for _, u := range utf16.Encode([]rune("NTFS")) {
			b = le16(b, u)
		}
		b = le16(b, 0)
	case smb1ReadAndX:
		hdr := len(b) - start - 4
		b = append(b, 12, 0xff, 0)
		b = le16(b, 0)
		b = le16(b, 0xffff) // available
		b = le16(b, 0)      // data compaction mode
		b = le16(b, 0)
		b = le16(b, uint16(a.count))
		b = le16(b, uint16(hdr+1+24+2+1)) // data offset from the SMB header
		b = le32(b, 0)                    // data length high
		b = zeros(b, 6)
		b = le16(b, uint16(a.count+1))
		b = append(b, 0) // pad
		off := int(a.offset) % (len(a.noise) - a.count)
		b = append(b, a.noise[off:off+a.count]...)
		a.offset += uint32(a.count)
	}
	return smbDone(b, start)
}

// setupExchanges: negotiate and tree connect.
func (a *smb1App) setupExchanges() int { return 2 }
