package observe

import (
	"bytes"
	"encoding/binary"

	"mimamori/edge/wire/wirepb"
)

// Computer-browser announcements ([MS-BRWS] 2.2) travel as SMB
// Transaction requests to the \MAILSLOT\BROWSE mailslot inside a NetBIOS
// datagram. Windows and Samba hosts send one every few minutes with their
// OS version and server roles: the most direct OS evidence on a Windows
// segment.

// Browser opcodes that describe the sender itself. A domain announcement
// (0x0c) names the workgroup and carries browser configuration numbers
// where the others carry the OS version, so it is not read.
const (
	browserHostAnnouncement        = 0x01
	browserLocalMasterAnnouncement = 0x0f
)

// SMB1 header layout as far as a mailslot write needs it.
const (
	smbHeaderLen      = 32
	smbComTransaction = 0x25
	// smbTransWords is the word count of a Transaction request before its
	// setup words (a mailslot write has three more).
	smbTransWords = 14
	// Offsets from the start of the SMB header.
	smbOffWordCount  = 32
	smbOffDataCount  = 33 + 2*11
	smbOffDataOffset = 33 + 2*12
)

// announcementLen is a host announcement up to and including the
// signature: opcode, update count, periodicity, 16-byte name, OS version,
// server type, browser version, signature.
const announcementLen = 1 + 1 + 4 + 16 + 2 + 4 + 2 + 2

// maxCommentLen caps the announced comment, which [MS-BRWS] limits to 43
// bytes; longer ones are cut.
const maxCommentLen = 48

var smbMagic = []byte{0xff, 'S', 'M', 'B'}

// announcement is a parsed browser announcement, aliasing the datagram.
type announcement struct {
	command    uint8
	name       []byte
	major      uint8
	minor      uint8
	serverType uint32
	comment    []byte
}

// parseAnnouncement reads the browser announcement in a NetBIOS datagram's
// user data (the bytes after the source and destination names). ok is
// false, without an error, for datagrams that are not announcements.
func parseAnnouncement(smb []byte) (a announcement, ok bool, err error) {
	if len(smb) < smbHeaderLen+1 || !bytes.Equal(smb[:4], smbMagic) || smb[4] != smbComTransaction {
		return a, false, nil
	}
	if int(smb[smbOffWordCount]) < smbTransWords || len(smb) < smbOffDataOffset+2 {
		return a, false, errTruncated
	}
	count := int(binary.LittleEndian.Uint16(smb[smbOffDataCount:]))
	off := int(binary.LittleEndian.Uint16(smb[smbOffDataOffset:]))
	if off < smbOffDataOffset || off > len(smb) {
		return a, false, errBadLength
	}
	data := smb[off:]
	if count < len(data) {
		data = data[:count]
	}
	if len(data) < 1 {
		return a, false, errTruncated
	}
	switch data[0] {
	case browserHostAnnouncement, browserLocalMasterAnnouncement:
	default:
		return a, false, nil // elections, backup lists, requests, domains
	}
	if len(data) < announcementLen {
		return a, false, errTruncated
	}
	a.command = data[0]
	a.name = bytes.TrimRight(cutNUL(data[6:22]), " ")
	a.major, a.minor = data[22], data[23]
	a.serverType = binary.LittleEndian.Uint32(data[24:28])
	c := cutNUL(data[announcementLen:])
	if len(c) > maxCommentLen {
		c = c[:maxCommentLen]
	}
	a.comment = c
	return a, true, nil
}

// cutNUL returns b up to its first NUL byte.
func cutNUL(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// browserInfo is the newest announcement a device sent this minute; its
// buffers keep their capacity across minutes.
type browserInfo struct {
	has        bool
	command    uint8
	major      uint8
	minor      uint8
	serverType uint32
	name       []byte
	comment    []byte
}

// set stores a, copying its text only when it changed.
func (b *browserInfo) set(a *announcement) {
	b.has, b.command, b.major, b.minor, b.serverType = true, a.command, a.major, a.minor, a.serverType
	if !bytes.Equal(b.name, a.name) {
		b.name = append(b.name[:0], a.name...)
	}
	if !bytes.Equal(b.comment, a.comment) {
		b.comment = append(b.comment[:0], a.comment...)
	}
}

func (b *browserInfo) reset() {
	*b = browserInfo{name: b.name[:0], comment: b.comment[:0]}
}

func (b *browserInfo) wire() *wirepb.BrowserAnnouncement {
	if !b.has {
		return nil
	}
	w := &wirepb.BrowserAnnouncement{
		OsMajor: uint32(b.major), OsMinor: uint32(b.minor), ServerType: b.serverType, Command: uint32(b.command),
	}
	if printableText(b.name) {
		w.Name = string(b.name)
	}
	if printableText(b.comment) {
		w.Comment = string(b.comment)
	}
	return w
}
