package synth

// Modbus/TCP: MBAP header (transaction id, protocol 0, length, unit id)
// followed by the PDU. Polls read holding registers (FC 3) and, every third
// time, discrete inputs (FC 2); an operator panel also writes a setpoint
// (FC 16) about every 30 s, as HMIs do when someone adjusts a value.

const (
	mbReadDiscrete = 0x02
	mbReadHolding  = 0x03
	mbWriteMulti   = 0x10
	mbUnit         = 1
)

type modbusApp struct {
	hmi   bool
	tid   uint16
	fc    byte
	start uint16
	qty   uint16
}

func (a *modbusApp) request(b []byte, x *exchange) []byte {
	a.tid++
	switch {
	case a.hmi && x.total%60 == 59:
		a.fc, a.start, a.qty = mbWriteMulti, 0x0010, 2
	case x.total%3 == 2:
		a.fc, a.start, a.qty = mbReadDiscrete, 0, 16
	default:
		a.fc, a.start, a.qty = mbReadHolding, 0, 10
	}
	start := len(b)
	b = be16(b, a.tid)
	b = be16(b, 0)
	b = be16(b, 0) // length, patched below
	b = append(b, mbUnit, a.fc)
	b = be16(b, a.start)
	b = be16(b, a.qty)
	if a.fc == mbWriteMulti {
		b = append(b, byte(2*a.qty))
		for i := 0; i < int(a.qty); i++ {
			b = be16(b, procWord(2, x.now, uint32(i)))
		}
	}
	return mbapLength(b, start)
}

func (a *modbusApp) response(b []byte, x *exchange) []byte {
	start := len(b)
	b = be16(b, a.tid)
	b = be16(b, 0)
	b = be16(b, 0)
	b = append(b, mbUnit, a.fc)
	switch a.fc {
	case mbWriteMulti:
		b = be16(b, a.start)
		b = be16(b, a.qty)
	case mbReadDiscrete:
		n := (a.qty + 7) / 8
		b = append(b, byte(n))
		for i := 0; i < int(n); i++ {
			b = append(b, byte(procWord(i*4, x.now, 3)))
		}
	default:
		b = append(b, byte(2*a.qty))
		for i := 0; i < int(a.qty); i++ {
			b = be16(b, procWord(i, x.now, 5))
		}
	}
	return mbapLength(b, start)
}

// mbapLength patches the MBAP length: unit id plus PDU.
func mbapLength(b []byte, start int) []byte {
	n := len(b) - start - 6
	b[start+4], b[start+5] = byte(n>>8), byte(n)
	return b
}
