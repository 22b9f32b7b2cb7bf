package synth

import (
	"encoding/binary"
	"hash/fnv"
	"strings"
	"time"
	"unicode/utf16"
)

// SMB2 over direct TCP (445): each message is a 4-byte NetBIOS session
// header plus a 64-byte SMB2 header and body. A connection negotiates the
// dialect, connects to the share and reads file data. Session setup (NTLM
// or Kerberos blobs) is left out: it adds nothing a passive sensor uses.

const (
	smbNegotiate   = 0x0000
	smbTreeConnect = 0x0003
	smbRead        = 0x0008

	smbFlagResponse = 0x00000001
)

// spnegoInit is the security blob of a NEGOTIATE response: SPNEGO
// negTokenInit offering NTLMSSP.
var spnegoInit = []byte{
	0x60, 0x1c, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
	0xa0, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0x30, 0x0c,
	0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
}

type smbApp struct {
	noise    []byte
	dialects []uint16
	share    []byte // UTF-16LE \\server\share
	guid     [16]byte
	msgID    uint64
	session  uint64
	tree     uint32
	cmd      uint16
	readLen  uint32
	offset   uint64
}

func newSMB(g *Generator, c, s *host) *smbApp {
	a := &smbApp{noise: g.noise, dialects: []uint16{0x0202, 0x0210, 0x0300, 0x0302}}
	if c.Stack == StackWindows7 {
		a.dialects = a.dialects[:2]
	}
	for _, u := range utf16.Encode([]rune(`\\` + strings.ToUpper(s.Name) + `\share`)) {
		a.share = le16(a.share, u)
	}
	h := fnv.New64a()
	h.Write([]byte(c.Name))
	binary.LittleEndian.PutUint64(a.guid[:], h.Sum64())
	binary.LittleEndian.PutUint64(a.guid[8:], h.Sum64()*31)
	return a
}

// header appends the NetBIOS session header and the SMB2 header.
func (a *smbApp) header(b []byte, cmd uint16, flags uint32) []byte {
	b = append(b, 0, 0, 0, 0) // NetBIOS session message, length patched by smbDone
	b = append(b, 0xfe, 'S', 'M', 'B')
	b = le16(b, 64) // structure size
	b = le16(b, 1)  // credit charge
	b = le32(b, 0)  // status
	b = le16(b, cmd)
	b = le16(b, 1) // credits
	b = le32(b, flags)
	b = le32(b, 0) // next command
	b = le64(b, a.msgID)
	b = le32(b, 0x0000feff) // process id
	b = le32(b, a.tree)
	b = le64(b, a.session)
	return zeros(b, 16) // signature
}

func smbDone(b []byte, start int) []byte {
	n := len(b) - start - 4
	b[start+1], b[start+2], b[start+3] = byte(n>>16), byte(n>>8), byte(n)
	return b
}

func (a *smbApp) request(b []byte, x *exchange) []byte {
	start := len(b)
	if x.n == 0 {
		a.msgID, a.session, a.tree = 0, 0, 0
	} else {
		a.msgID++
	}
	switch x.n {
	case 0:
		a.cmd = smbNegotiate
		b = a.header(b, smbNegotiate, 0)
		b = le16(b, 36)
		b = le16(b, uint16(len(a.dialects)))
		b = le16(b, 1) // security mode: signing enabled
		b = le16(b, 0)
		b = le32(b, 0x7f) // capabilities
		b = append(b, a.guid[:]...)
		b = le64(b, 0) // client start time
		for _, d := range a.dialects {
			b = le16(b, d)
		}
	case 1:
		a.cmd = smbTreeConnect
		a.session = 0x0000100000000041 | uint64(a.guid[0])<<8
		b = a.header(b, smbTreeConnect, 0)
		b = le16(b, 9)
		b = le16(b, 0)
		b = le16(b, 64+8) // path offset from the SMB2 header
		b = le16(b, uint16(len(a.share)))
		b = append(b, a.share...)
	default:
		a.cmd = smbRead
		a.tree = 1
		a.readLen = uint32(4096 << x.rng.IntN(4)) // 4 KB .. 32 KB
		b = a.header(b, smbRead, 0)
		b = le16(b, 49)
		b = append(b, 0x50, 0) // padding (data offset hint), flags
		b = le32(b, a.readLen)
		b = le64(b, a.offset)
		b = append(b, a.guid[:]...) // file id (persistent, volatile)
		b = le32(b, 0)              // minimum count
		b = le32(b, 0)              // channel
		b = le32(b, 0)              // remaining bytes
		b = le16(b, 0)
		b = le16(b, 0)
		b = append(b, 0)
	}
	return smbDone(b, start)
}

func (a *smbApp) response(b []byte, x *exchange) []byte {
	start := len(b)
	b = a.header(b, a.cmd, smbFlagResponse)
	switch a.cmd {
	case smbNegotiate:
		dialect := a.dialects[len(a.dialects)-1]
		b = le16(b, 65)
		b = le16(b, 1)
		b = le16(b, dialect)
		b = le16(b, 0)
		sg := a.guid
		sg[0] ^= 0x5a // server GUID
		b = append(b, sg[:]...)
		b = le32(b, 0x2f)  // capabilities
		b = le32(b, 8<<20) // max transact
		b = le32(b, 8<<20) // max read
		b = le32(b, 8<<20) // max write
		b = le64(b, filetime(x.now))
		b = le64(b, 0)
		b = le16(b, 128) // security buffer offset
		b = le16(b, uint16(len(spnegoInit)))
		b = le32(b, 0)
		b = append(b, spnegoInit...)
	case smbTreeConnect:
		b = le16(b, 16)
		b = append(b, 0x01, 0) // disk share
		b = le32(b, 0)         // share flags
		b = le32(b, 0)         // capabilities
		b = le32(b, 0x001f01ff)
	case smbRead:
		b = le16(b, 17)
		b = append(b, 0x50, 0) // data offset, reserved
		b = le32(b, a.readLen)
		b = le32(b, 0)
		b = le32(b, 0)
		off := int(a.offset) % (len(a.noise) - int(a.readLen))
		b = append(b, a.noise[off:off+int(a.readLen)]...)
		a.offset += uint64(a.readLen)
	}
	return smbDone(b, start)
}

// filetime converts Unix nanoseconds to a Windows FILETIME.
func filetime(ns int64) uint64 {
	const epochDiff = 11644473600 // seconds from 1601 to 1970
	return uint64(ns/100) + epochDiff*uint64(time.Second/100)
}

// setupExchanges: negotiate and tree connect.
func (a *smbApp) setupExchanges() int { return 2 }
