package bacnet

import "mimamori/protocols"

// APDU header flags (§20.1).
const (
	flagSegmented = 0x08 // SEG: sequence number and window size follow
	flagServer    = 0x01 // SRV of Segment-ACK and Abort: sent by the server
)

// dissectAPDU reports an APDU under its service. Confirmed services keep
// their number whatever the PDU type (request, SimpleACK, ComplexACK,
// Error); Reject and Abort carry no service and are reported under the
// one their invoke id was last used for, from Message.State.
func dissectAPDU(m *protocols.Message, b []byte, routed bool) error {
	if len(b) < 1 {
		return protocols.ErrMalformed
	}
	typ := b[0] >> 4
	switch typ {
	case pduConfirmed:
		// type/flags, max segments and APDU, invoke id, [sequence number,
		// window size], service choice.
		i := 3
		if b[0]&flagSegmented != 0 {
			i += 2
		}
		if len(b) <= i {
			return protocols.ErrMalformed
		}
		svc := b[i]
		m.State = remember(m.State, m.FromClient, b[2], svc)
		e := m.Emit(uint32(svc), confirmedName(svc), protocols.KindRequest)
		if b[0]&flagSegmented == 0 || b[3] == 0 {
			// Later segments continue the parameters mid-way.
			request(e, svc, b[i+1:])
		}
	case pduUnconfirmed:
		if len(b) < 2 {
			return protocols.ErrMalformed
		}
		svc := b[1]
		e := m.Emit(unconfirmedBase+uint32(svc), unconfirmedName(svc), protocols.KindOther)
		unconfirmed(m, e, svc, b[2:], routed)
	case pduSimpleACK:
		if len(b) < 3 {
			return protocols.ErrMalformed
		}
		m.Emit(uint32(b[2]), confirmedName(b[2]), protocols.KindResponse)
	case pduComplexACK:
		i := 2
		if b[0]&flagSegmented != 0 {
			i += 2
		}
		if len(b) <= i {
			return protocols.ErrMalformed
		}
		svc := b[i]
		e := m.Emit(uint32(svc), confirmedName(svc), protocols.KindResponse)
		if svc == svcReadProperty && (b[0]&flagSegmented == 0 || b[2] == 0) {
			readPropertyACK(m, e, b[i+1:], routed)
		}
	case pduSegmentACK:
		if len(b) < 4 {
			return protocols.ErrMalformed
		}
		kind := protocols.KindRequest
		if b[0]&flagServer != 0 {
			kind = protocols.KindResponse
		}
		m.Emit(apduBase+pduSegmentACK, apduName(pduSegmentACK), kind)
	case pduError:
		if len(b) < 3 {
			return protocols.ErrMalformed
		}
		e := m.Emit(uint32(b[2]), confirmedName(b[2]), protocols.KindResponse)
		e.Error = true
		errorDetails(e, b[3:])
	case pduReject:
		if len(b) < 3 {
			return protocols.ErrMalformed
		}
		// A Reject always comes from the server of the transaction.
		e := answer(m, typ, b[1], !m.FromClient, protocols.KindResponse)
		if name := rejectReasonName(b[2]); name != "" {
			e.Add("reject_reason", protocols.Text(name))
		} else {
			e.Add("reject_reason", protocols.Uint(uint64(b[2])))
		}
	case pduAbort:
		if len(b) < 3 {
			return protocols.ErrMalformed
		}
		// Either side may abort; SRV says which.
		requester, kind := m.FromClient, protocols.KindRequest
		if b[0]&flagServer != 0 {
			requester, kind = !m.FromClient, protocols.KindResponse
		}
		e := answer(m, typ, b[1], requester, kind)
		if name := abortReasonName(b[2]); name != "" {
			e.Add("abort_reason", protocols.Text(name))
		} else {
			e.Add("abort_reason", protocols.Uint(uint64(b[2])))
		}
	default:
		m.Emit(apduBase+uint32(typ), "", protocols.KindAuto)
	}
	return nil
}

// answer emits a Reject or Abort as an error: under the confirmed service
// the transaction's requester last sent with this invoke id, or under the
// PDU type when that request was not seen.
func answer(m *protocols.Message, typ, invoke uint8, requester bool, kind protocols.Kind) *protocols.Event {
	var e *protocols.Event
	if svc, ok := recall(m.State, requester, invoke); ok {
		e = m.Emit(uint32(svc), confirmedName(svc), kind)
	} else {
		e = m.Emit(apduBase+uint32(typ), apduName(typ), kind)
	}
	e.Error = true
	return e
}

// Message.State remembers the last three confirmed requests of the
// conversation, most recent in the low bits, 18 bits each: invoke id,
// service choice, which side sent it, and a valid bit.
const (
	slotBits  = 18
	slotCount = 3
	slotMask  = 1<<slotBits - 1
	slotValid = 1 << 17
	slotFrom  = 1 << 16
)

func remember(state uint64, fromClient bool, invoke, svc uint8) uint64 {
	slot := uint64(slotValid) | uint64(svc)<<8 | uint64(invoke)
	if fromClient {
		slot |= slotFrom
	}
	return (state<<slotBits | slot) & (1<<(slotBits*slotCount) - 1)
}

func recall(state uint64, fromClient bool, invoke uint8) (uint8, bool) {
	for i := 0; i < slotCount; i++ {
		slot := state >> (slotBits * i) & slotMask
		if slot&slotValid == 0 || uint8(slot) != invoke || (slot&slotFrom != 0) != fromClient {
			continue
		}
		return uint8(slot >> 8), true
	}
	return 0, false
}

// request adds the details of a confirmed request's parameters.
func request(e *protocols.Event, svc uint8, d []byte) {
	r := reader{d}
	switch svc {
	case svcReadProperty, svcWriteProperty:
		// [0] object, [1] property, [2] array index; a write then has
		// [3] the value and [4] the priority.
		if !objectDetail(e, &r) {
			return
		}
		p, ok := r.context(1)
		if !ok {
			return
		}
		propertyDetail(e, p)
		if svc != svcWriteProperty {
			return
		}
		r.context(2)
		if r.opening(3) && r.skipTo(3) {
			if prio, ok := r.context(4); ok {
				e.Add("priority", protocols.Uint(uint64(prio)))
			}
		}
	case svcReadPropertyMultiple, svcWritePropertyMultiple:
		// A list of [0] object, [1] its properties (and values).
		for i := 0; i < maxDetailedList; i++ {
			if !objectDetail(e, &r) || !r.opening(1) || !r.skipTo(1) {
				return
			}
		}
	case svcSubscribeCOV:
		// [0] subscriber process, [1] monitored object.
		if _, ok := r.context(0); ok {
			objectDetailTag(e, &r, 1)
		}
	case svcAtomicReadFile, svcAtomicWriteFile, svcDeleteObject:
		if c, ok := r.application(appObjectID); ok {
			addObject(e, c)
		}
	case svcCreateObject:
		// [0] { [0] object type | [1] object identifier }
		if !r.opening(0) {
			return
		}
		if t, ok := r.context(0); ok {
			if name := objectTypeName(uint16(t)); name != "" {
				e.Add("object_type", protocols.Text(name))
			} else {
				e.Add("object_type", protocols.Uint(uint64(t)))
			}
			return
		}
		objectDetailTag(e, &r, 1)
	case svcDeviceCommControl:
		// [0] duration in minutes (optional), [1] enable-disable.
		if minutes, ok := r.context(0); ok {
			e.Add("duration", protocols.Uint(uint64(minutes)))
		}
		if s, ok := r.context(1); ok {
			enumDetail(e, "enable_disable", s, enableDisableName(s))
		}
	case svcReinitializeDevice:
		if s, ok := r.context(0); ok {
			enumDetail(e, "reinitialize", s, reinitStateName(s))
		}
	}
}

// unconfirmed adds the details of an unconfirmed request; an I-Am also
// identifies its sender.
func unconfirmed(m *protocols.Message, e *protocols.Event, svc uint8, d []byte, routed bool) {
	r := reader{d}
	switch svc {
	case svcIAm:
		// device object, max APDU length, segmentation, vendor id.
		dev, ok := r.application(appObjectID)
		if !ok {
			return
		}
		typ, instance, ok := objectID(dev)
		if !ok {
			return
		}
		addObject(e, dev)
		if _, ok := r.application(appUnsigned); !ok {
			return
		}
		if _, ok := r.application(appEnumerated); !ok {
			return
		}
		v, ok := r.application(appUnsigned)
		if !ok {
			return
		}
		vendor, ok := unsigned(v)
		if !ok || routed || typ != objectDevice {
			return
		}
		id := m.Identify()
		id.Vendor = vendorName(vendor)
		id.Add("device_instance", protocols.Uint(uint64(instance)))
		id.Add("vendor_id", protocols.Uint(uint64(vendor)))
	case svcWhoIs:
		// Optional [0] low and [1] high device instance limits.
		lo, ok := r.context(0)
		if !ok {
			return
		}
		if hi, ok := r.context(1); ok {
			e.Add("device_range", protocols.Range("", uint64(lo), uint64(hi)))
		}
	}
}

// readPropertyACK adds the object and property a ReadProperty answer
// repeats, and takes the Device object's text properties that describe
// the device for its identity.
func readPropertyACK(m *protocols.Message, e *protocols.Event, d []byte, routed bool) {
	r := reader{d}
	c, ok := r.peekContextContent(0)
	if !ok || !objectDetail(e, &r) {
		return
	}
	p, ok := r.context(1)
	if !ok {
		return
	}
	propertyDetail(e, p)
	if _, indexed := r.context(2); indexed || routed || !r.opening(3) {
		return
	}
	typ, instance, _ := objectID(c)
	if typ != objectDevice {
		return
	}
	switch p {
	case propVendorName, propModelName, propFirmwareRevision, propObjectName:
	default:
		return
	}
	s, ok := r.application(appCharString)
	if !ok || len(s) < 2 {
		return
	}
	text := charString(s)
	if len(text) == 0 {
		return
	}
	id := m.Identify()
	switch p {
	case propVendorName:
		id.Vendor = text
	case propModelName:
		id.Model = text
	case propFirmwareRevision:
		id.Firmware = text
	case propObjectName:
		id.Name = text
	}
	if instance != wildcardDevice {
		id.Add("device_instance", protocols.Uint(uint64(instance)))
	}
}

// errorDetails adds an Error PDU's error class and code. Services whose
// error is a constructed type (createObject, writePropertyMultiple, …)
// wrap them in context tag 0.
func errorDetails(e *protocols.Event, d []byte) {
	r := reader{d}
	r.opening(0)
	class, ok := r.application(appEnumerated)
	if !ok {
		return
	}
	c, ok := unsigned(class)
	if !ok {
		return
	}
	enumDetail(e, "error_class", c, errorClassName(c))
	if code, ok := r.application(appEnumerated); ok {
		if v, ok := unsigned(code); ok {
			e.Add("error_code", protocols.Uint(uint64(v)))
		}
	}
}

// objectDetail reads context tag 0 as an object identifier and adds it.
func objectDetail(e *protocols.Event, r *reader) bool { return objectDetailTag(e, r, 0) }

func objectDetailTag(e *protocols.Event, r *reader, num uint8) bool {
	c, ok := r.peekContextContent(num)
	if !ok || len(c) != 4 {
		return false
	}
	r.next()
	addObject(e, c)
	return true
}

// addObject adds an object identifier as "type:instance" (a proprietary
// type as its number in hex).
func addObject(e *protocols.Event, c []byte) {
	typ, instance, ok := objectID(c)
	if !ok {
		return
	}
	if name := objectTypeName(typ); name != "" {
		e.Add("object", protocols.Range(name, uint64(instance), uint64(instance)))
		return
	}
	e.Add("object", protocols.RangeIn(uint64(typ), 2, uint64(instance), uint64(instance)))
}

func propertyDetail(e *protocols.Event, p uint32) {
	enumDetail(e, "property", p, propertyName(p))
}

// enumDetail adds an enumerated value by name, or by number when the
// table does not name it.
func enumDetail(e *protocols.Event, key string, v uint32, name string) {
	if name != "" {
		e.Add(key, protocols.Text(name))
		return
	}
	e.Add(key, protocols.Uint(uint64(v)))
}

// peekContextContent returns the content of the next tag if it is
// context tag num, without advancing.
func (r *reader) peekContextContent(num uint8) ([]byte, bool) {
	t, ok := r.peek()
	if !ok || !t.context || t.open || t.close || t.num != num {
		return nil, false
	}
	return r.b[t.hdr : t.hdr+t.length], true
}

// Character sets of a CharacterString (§20.2.9), its first octet.
const (
	charsetUTF8   = 0 // ANSI X3.4 in older revisions
	charsetUCS2   = 4
	charsetLatin1 = 5
	maxUCS2Text   = 64
)

// charString returns a CharacterString's text. UTF-8 and ISO 8859-1 text
// is the message's own bytes. UCS-2 (which Johnson Controls and other
// devices use for their names) has to be narrowed into a new slice, the
// one allocation of this dissector: it happens only for the Device
// object's identity properties, which are read rarely, and characters
// outside Latin-1 become '?'. Other character sets give nil.
func charString(s []byte) []byte {
	switch s[0] {
	case charsetUTF8, charsetLatin1:
		return s[1:]
	case charsetUCS2:
		u := s[1:]
		n := min(len(u)/2, maxUCS2Text)
		out := make([]byte, n)
		for i := range out {
			if u[2*i] != 0 {
				out[i] = '?'
			} else {
				out[i] = u[2*i+1]
			}
		}
		return out
	}
	return nil
}
