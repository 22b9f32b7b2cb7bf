package synth

import (
	"hash/fnv"
	"math"
	"strings"
)

// EtherNet/IP: a 24-byte little-endian encapsulation header (command,
// length, session handle, status, sender context, options). Explicit
// messaging registers a session, then carries CIP requests in SendRRData
// (null address item + unconnected data item). Panels read Logix tags with
// the Read Tag service (0x4C); a programming tool first reads the Identity
// object and unregisters when done. ListIdentity (0x63) is discovery over
// UDP, answered with the Identity item (type 0x0C).

const (
	enipListIdentity   = 0x0063
	enipRegister       = 0x0065
	enipUnregister     = 0x0066
	enipSendRRData     = 0x006f
	enipPort           = 44818
	cipGetAttributeAll = 0x01
	cipReadTag         = 0x4c

	cipTypeBOOL = 0xc1
	cipTypeINT  = 0xc3
	cipTypeDINT = 0xc4
	cipTypeREAL = 0xca
)

type cipTag struct {
	name string
	typ  uint16
}

var panelTags = []cipTag{
	{"Line_Count", cipTypeDINT},
	{"Line_Speed", cipTypeREAL},
	{"Conveyor_Run", cipTypeBOOL},
	{"Tank_Level", cipTypeREAL},
	{"Alarm_Word", cipTypeINT},
}

// identity is what a Logix controller reports about itself.
type identity struct {
	vendor, devType, product uint16
	major, minor             byte
	status                   uint16
	serial                   uint32
	name                     string
}

func identityOf(s *host) identity {
	id := identity{vendor: 1, devType: 0x0e, product: 0x00a8, major: 33, minor: 11, status: 0x0060,
		name: "5069-L320ER/A LOGIX5320ER"}
	if strings.Contains(s.Model, "1756") {
		id.product, id.name = 0x00a6, "1756-L83E/B"
	}
	h := fnv.New32a()
	h.Write(s.mac[:])
	id.serial = h.Sum32()
	return id
}

// appendIdentity appends the Identity attributes as GetAttributeAll returns them.
func (id identity) appendAttrs(b []byte) []byte {
	b = le16(b, id.vendor)
	b = le16(b, id.devType)
	b = le16(b, id.product)
	b = append(b, id.major, id.minor)
	b = le16(b, id.status)
	b = le32(b, id.serial)
	b = append(b, byte(len(id.name)))
	return append(b, id.name...)
}

// appendItem appends a ListIdentity reply's CPF list with one Identity item.
func (id identity) appendItem(b []byte, ip [4]byte) []byte {
	b = le16(b, 1) // item count
	b = le16(b, 0x000c)
	lenAt := len(b)
	b = le16(b, 0)
	b = le16(b, 1)          // encapsulation protocol version
	b = be16(b, 2)          // sin_family AF_INET (big-endian on the wire)
	b = be16(b, enipPort)   // sin_port
	b = append(b, ip[:]...) // sin_addr
	b = zeros(b, 8)         // sin_zero
	b = id.appendAttrs(b)
	b = append(b, 0x03) // state: operational
	n := len(b) - lenAt - 2
	b[lenAt], b[lenAt+1] = byte(n), byte(n>>8)
	return b
}

func encapHeader(b []byte, cmd uint16, session uint32, ctx uint64) []byte {
	b = le16(b, cmd)
	b = le16(b, 0) // length, patched by encapLength
	b = le32(b, session)
	b = le32(b, 0) // status
	b = le64(b, ctx)
	return le32(b, 0) // options
}

func encapLength(b []byte, start int) []byte {
	n := len(b) - start - 24
	b[start+2], b[start+3] = byte(n), byte(n>>8)
	return b
}

// rrData appends SendRRData's interface handle, timeout and item list head;
// the unconnected item's length is patched by rrDone.
func rrData(b []byte) ([]byte, int) {
	b = le32(b, 0) // interface handle: CIP
	b = le16(b, 5) // timeout, seconds
	b = le16(b, 2) // items
	b = le16(b, 0x0000)
	b = le16(b, 0) // null address item
	b = le16(b, 0x00b2)
	at := len(b)
	return le16(b, 0), at
}

func rrDone(b []byte, at int) []byte {
	n := len(b) - at - 2
	b[at], b[at+1] = byte(n), byte(n>>8)
	return b
}

type enipApp struct {
	eng     bool
	id      identity
	session uint32
	ctx     uint64
	cmd     uint16
	service byte
	tag     cipTag
}

func newENIP(t *Talk, s *host) *enipApp {
	return &enipApp{eng: t.Engineering, id: identityOf(s)}
}

func (a *enipApp) request(b []byte, x *exchange) []byte {
	a.ctx++
	start := len(b)
	switch {
	case x.n == 0:
		a.cmd, a.session = enipRegister, 0
		b = encapHeader(b, enipRegister, 0, a.ctx)
		b = le16(b, 1) // protocol version
		b = le16(b, 0) // options
		return encapLength(b, start)
	case a.eng && x.last:
		a.cmd = enipUnregister
		return encapLength(encapHeader(b, enipUnregister, a.session, a.ctx), start)
	case a.eng && x.n == 1:
		a.cmd = enipListIdentity
		return encapLength(encapHeader(b, enipListIdentity, 0, a.ctx), start)
	}
	a.cmd = enipSendRRData
	b = encapHeader(b, enipSendRRData, a.session, a.ctx)
	b, at := rrData(b)
	if a.eng && x.n == 2 {
		a.service = cipGetAttributeAll
		b = append(b, cipGetAttributeAll, 2, 0x20, 0x01, 0x24, 0x01) // Identity class, instance 1
		return encapLength(rrDone(b, at), start)
	}
	a.service = cipReadTag
	a.tag = panelTags[x.total%uint64(len(panelTags))]
	name := a.tag.name
	seg := 2 + len(name) + len(name)%2 // ANSI extended symbolic segment, padded to words
	b = append(b, cipReadTag, byte(seg/2), 0x91, byte(len(name)))
	b = append(b, name...)
	if len(name)%2 == 1 {
		b = append(b, 0)
	}
	b = le16(b, 1) // elements
	return encapLength(rrDone(b, at), start)
}

func (a *enipApp) response(b []byte, x *exchange) []byte {
	start := len(b)
	switch a.cmd {
	case enipUnregister:
		return b // no reply: the target just closes its side
	case enipRegister:
		h := fnv.New32a()
		h.Write([]byte(x.c.Name))
		a.session = h.Sum32() | 1
		b = encapHeader(b, enipRegister, a.session, a.ctx)
		b = le16(b, 1)
		b = le16(b, 0)
		return encapLength(b, start)
	case enipListIdentity:
		b = encapHeader(b, enipListIdentity, 0, a.ctx)
		return encapLength(a.id.appendItem(b, x.s.ip), start)
	}
	b = encapHeader(b, enipSendRRData, a.session, a.ctx)
	b, at := rrData(b)
	b = append(b, a.service|0x80, 0, 0, 0) // reply, reserved, general status OK, no extended status
	if a.service == cipGetAttributeAll {
		return encapLength(rrDone(a.id.appendAttrs(b), at), start)
	}
	b = le16(b, a.tag.typ)
	v := procWord(int(x.total%7), x.now, 17)
	switch a.tag.typ {
	case cipTypeBOOL:
		b = append(b, byte(v&1))
	case cipTypeINT:
		b = le16(b, v)
	case cipTypeDINT:
		b = le32(b, uint32(v)*7)
	case cipTypeREAL:
		b = le32(b, math.Float32bits(float32(v)/10))
	}
	return encapLength(rrDone(b, at), start)
}

// listIdentityApp is EtherNet/IP discovery: an empty ListIdentity request
// (usually broadcast) answered by each adapter with its identity.
type listIdentityApp struct {
	ctx uint64
}

func (a *listIdentityApp) request(b []byte, x *exchange) []byte {
	a.ctx++
	start := len(b)
	return encapLength(encapHeader(b, enipListIdentity, 0, a.ctx), start)
}

func (a *listIdentityApp) response(b []byte, x *exchange) []byte {
	start := len(b)
	b = encapHeader(b, enipListIdentity, 0, a.ctx)
	return encapLength(identityOf(x.s).appendItem(b, x.s.ip), start)
}

// setupExchanges: RegisterSession.
func (a *enipApp) setupExchanges() int { return 1 }
