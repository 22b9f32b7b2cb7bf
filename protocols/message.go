package protocols

// Kind says which way a message went in its exchange.
type Kind uint8

const (
	// KindAuto leaves the decision to the conversation: a message from
	// the client is a request, one from the server a response. Dissectors
	// of protocols whose messages do not say (Modbus) use it.
	KindAuto Kind = iota
	// KindRequest is a message from the requester (client) side.
	KindRequest
	// KindResponse is a reply, sent by the responder (server) side.
	KindResponse
	// KindOther is a message that is neither (cyclic data, an unsolicited
	// notification): its sender is the event's src.
	KindOther
)

// MaxEventAttrs is how many details one message can report; further Add
// calls are ignored. MaxIdentityAttrs is the same for identities.
const (
	MaxEventAttrs    = 6
	MaxIdentityAttrs = 4
)

// Message is one protocol message handed to Dissect, and what Dissect found
// in it. The Tracker reuses one Message for every call.
type Message struct {
	// Payload is the message's bytes. It aliases the captured frame or a
	// reassembly buffer and is only valid during Dissect.
	Payload []byte
	// Transport is how the message travelled.
	Transport Transport
	// FromClient is the conversation's view of the sender: the side that
	// does not use the protocol's server port, or else the conversation's
	// initiator. Always true for layer-2 frames.
	FromClient bool
	// State is the dissector's own memory of the conversation (such as the
	// command of the last request, for protocols whose responses do not
	// repeat it). It is zero when the conversation is new and is kept
	// between messages of the same conversation; layer-2 frames always
	// see zero.
	State uint64
	// Variant selects the protocol ID the message is reported under: 0
	// for Info.ID, i for Info.Variants[i-1]. It is 0 for every new
	// message; a value beyond Variants counts as 0.
	Variant uint8

	event      Event
	emitted    bool
	identity   Identity
	identified bool
	scratch    []byte
}

// Emit reports the message as an OT event with the protocol's function
// code and its name (from the protocol's code table; "" when the code is
// unknown, and always the same name for the same code). A second call
// replaces the first. Details are added to the returned Event.
func (m *Message) Emit(code uint32, function string, kind Kind) *Event {
	m.emitted = true
	e := &m.event
	e.Code, e.Function, e.Kind, e.Error, e.n = code, function, kind, false, 0
	return e
}

// Identify reports that the message's sender described itself. Fields
// left empty stay unknown.
func (m *Message) Identify() *Identity {
	m.identified = true
	id := &m.identity
	// Only what Attrs and Text read is reset: clearing the whole struct
	// (about 480 bytes) cost more than the rest of a typical report.
	id.Vendor, id.Product, id.Model, id.Serial, id.Firmware, id.Name = nil, nil, nil, nil, nil, nil
	id.n, id.used = 0, 0
	return id
}

// Event returns what Emit recorded, if it was called.
func (m *Message) Event() (*Event, bool) { return &m.event, m.emitted }

// Identity returns what Identify recorded, if it was called.
func (m *Message) Identity() (*Identity, bool) { return &m.identity, m.identified }

// reset prepares m for the next message.
func (m *Message) reset(payload []byte, t Transport, fromClient bool, state uint64) {
	m.Payload, m.Transport, m.FromClient, m.State, m.Variant = payload, t, fromClient, state, 0
	m.emitted, m.identified = false, false
}

// Scratch returns an empty buffer with room for n bytes, where a
// dissector joins a message that came in pieces (COTP DTs, say) to read
// it whole. Like Payload it is valid only during Dissect. The buffer is
// the message's and is reused, so joining costs an allocation only when a
// message needs more room than any before it.
func (m *Message) Scratch(n int) []byte {
	if cap(m.scratch) < n {
		m.scratch = make([]byte, 0, n)
	}
	return m.scratch[:0]
}

// Event is one message's contribution to an OT event.
type Event struct {
	// Code is the function or command code as the protocol numbers it.
	Code uint32
	// Function is the code's name, "" when the protocol does not define it.
	Function string
	// Kind is the message's direction in its exchange.
	Kind Kind
	// Error reports a failed operation: an exception or error response,
	// a non-zero end code.
	Error bool

	attrs [MaxEventAttrs]Attr
	n     uint8
}

// Add records a detail of the message. key must be a constant (it is
// kept, not copied); so must v's Tag.
func (e *Event) Add(key string, v Value) {
	if int(e.n) < len(e.attrs) {
		e.attrs[e.n].set(key, &v)
		e.n++
	}
}

// Attrs returns the details added so far.
func (e *Event) Attrs() []Attr { return e.attrs[:e.n] }

// Identity is what a device said about itself. The byte fields alias the
// message and are copied (trimmed of padding, non-printable bytes
// replaced) when the Tracker keeps them.
type Identity struct {
	Vendor   []byte // empty: the protocol's Info.Vendor
	Product  []byte
	Model    []byte
	Serial   []byte
	Firmware []byte // firmware version or revision
	Name     []byte // a user-assigned name

	attrs [MaxIdentityAttrs]Attr
	n     uint8
	text  [identityText]byte
	used  uint8
}

// identityText is the room an Identity has for text a dissector formats
// from numbers.
const identityText = 48

// Text returns an empty slice with room for n bytes in the Identity's own
// buffer, for a field that the message carries as a number (a serial
// number, a revision): the dissector appends the formatted number and
// sets the field to the result, without allocating. Each call takes the
// next n bytes of a 48-byte buffer; beyond it Text allocates.
func (id *Identity) Text(n int) []byte {
	if int(id.used)+n > len(id.text) {
		return make([]byte, 0, n)
	}
	b := id.text[id.used : id.used : int(id.used)+n]
	id.used += uint8(n)
	return b
}

// Add records a further detail (a model code, a product code).
func (id *Identity) Add(key string, v Value) {
	if int(id.n) < len(id.attrs) {
		id.attrs[id.n].set(key, &v)
		id.n++
	}
}

// Attrs returns the details added so far.
func (id *Identity) Attrs() []Attr { return id.attrs[:id.n] }

// Attr is one detail of an event or identity.
type Attr struct {
	Key   string
	Value Value
}

// set stores a detail field by field. Add is on every message's path,
// and a whole-struct assignment of the Value built by Uint, Hex or Range a
// moment before reads back, in wide moves, the bytes just written in
// narrow ones, which stalls the CPU's store forwarding; field by field
// each load matches its store. Width is copied apart from Kind: copied
// together, the compiler merges the two into one 16-bit move, which
// stalls the same way (Kind and Width are written by separate byte
// stores).
func (a *Attr) set(key string, v *Value) {
	a.Value.Width = v.Width
	a.Key = key
	a.Value.Tag = v.Tag
	a.Value.Lo, a.Value.Hi, a.Value.Area = v.Lo, v.Hi, v.Area
	a.Value.Kind = v.Kind
}

// ValueKind says how a Value is rendered and merged.
type ValueKind uint8

const (
	// ValueUint renders Lo in decimal.
	ValueUint ValueKind = iota + 1
	// ValueHex renders Lo in hexadecimal with at least Width digits ("0x02").
	ValueHex
	// ValueRange renders Tag:Lo-Hi ("D:100-131"; "D:100" when Lo == Hi),
	// with a numeric area code in place of the Tag when Width is set
	// ("0x82:100-119"), or without either ("100-131"). Ranges of one key
	// and area merge into the smallest range covering them all.
	ValueRange
	// ValueText renders Tag.
	ValueText
)

// Value is a detail's value, kept as numbers so that recording it costs
// no allocation; it becomes text only when the minute is flushed. Values
// of one key that differ are listed side by side.
type Value struct {
	Tag    string
	Lo, Hi uint64
	Area   uint64 // a range's numeric area code, shown when Width > 0
	Kind   ValueKind
	Width  uint8
}

// Uint is a decimal number.
func Uint(v uint64) Value { return Value{Kind: ValueUint, Lo: v} }

// Hex is a code shown in hexadecimal with at least digits digits.
func Hex(v uint64, digits int) Value { return Value{Kind: ValueHex, Lo: v, Width: uint8(digits)} }

// Range is an address range [lo, hi] in the memory area or device named
// by tag ("" for none). tag must be a constant.
func Range(tag string, lo, hi uint64) Value {
	if hi < lo {
		lo, hi = hi, lo
	}
	return Value{Kind: ValueRange, Tag: tag, Lo: lo, Hi: hi}
}

// RangeIn is an address range [lo, hi] in the memory area with a numeric
// code, shown in hexadecimal with at least digits digits.
func RangeIn(area uint64, digits int, lo, hi uint64) Value {
	v := Range("", lo, hi)
	v.Area, v.Width = area, uint8(max(digits, 1))
	return v
}

// Text is a constant string (a name from a code table, never message bytes).
func Text(s string) Value { return Value{Kind: ValueText, Tag: s} }
