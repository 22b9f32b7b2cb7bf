package synth

import "math"

// Scripted EtherNet/IP sessions: RegisterSession, the CIP request in
// SendRRData, UnregisterSession.

func enipScript(o plcOp, s *host) *scriptApp {
	sess := newENIP(&Talk{}, s)
	a := &scriptApp{ops: []op{{sess.request, sess.response}}} // RegisterSession
	cip := func(service byte, path, data []byte) op {
		return op{
			req: func(b []byte, x *exchange) []byte {
				sess.ctx++
				start := len(b)
				b = encapHeader(b, enipSendRRData, sess.session, sess.ctx)
				b, at := rrData(b)
				b = append(b, service, byte(len(path)/2))
				b = append(b, path...)
				b = append(b, data...)
				return encapLength(rrDone(b, at), start)
			},
			resp: func(b []byte, x *exchange) []byte {
				start := len(b)
				b = encapHeader(b, enipSendRRData, sess.session, sess.ctx)
				b, at := rrData(b)
				b = append(b, service|0x80, 0, 0, 0)
				return encapLength(rrDone(b, at), start)
			},
		}
	}
	controller := []byte{0x20, 0x8e, 0x24, 0x01} // class 0x8E, instance 1
	switch o {
	case opStop:
		a.ops = append(a.ops, cip(0x07, controller, nil))
	case opRun:
		a.ops = append(a.ops, cip(0x06, controller, nil))
	case opWrite:
		tag := "Line_Speed"
		path := append([]byte{0x91, byte(len(tag))}, tag...)
		data := le16(nil, cipTypeREAL)
		data = le16(data, 1)
		data = le32(data, math.Float32bits(9999))
		a.ops = append(a.ops, cip(0x4d, path, data))
	}
	a.ops = append(a.ops, op{req: func(b []byte, x *exchange) []byte {
		sess.ctx++
		start := len(b)
		return encapLength(encapHeader(b, enipUnregister, sess.session, sess.ctx), start)
	}})
	return a
}

// A scripted Modbus/TCP write.

func modbusScript(o plcOp) *scriptApp {
	var tid uint16
	pdu := func(b []byte, unit byte, body []byte) []byte {
		tid++
		start := len(b)
		b = be16(b, tid)
		b = be16(b, 0)
		b = be16(b, 0)
		b = append(b, unit)
		b = append(b, body...)
		return mbapLength(b, start)
	}
	echo := func(body []byte) func(b []byte, x *exchange) []byte {
		return func(b []byte, x *exchange) []byte {
			start := len(b)
			b = be16(b, tid)
			b = be16(b, 0)
			b = be16(b, 0)
			b = append(b, mbUnit)
			b = append(b, body...)
			return mbapLength(b, start)
		}
	}
	body := []byte{mbWriteMulti, 0x00, 0x10, 0x00, 0x04, 8}
	for i := 0; i < 4; i++ {
		body = be16(body, uint16(0xffff-i))
	}
	return &scriptApp{ops: []op{{
		req:  func(b []byte, x *exchange) []byte { return pdu(b, mbUnit, body) },
		resp: echo(body[:5]),
	}}}
}
