package synth

import "time"

// Omron FINS over UDP (ot_protocols.md §2.5). Header: ICF | RSV 00 | GCT 02 |
// DNA DA1 DA2 | SNA SA1 SA2 | SID, then the command code (BE) and data;
// responses add a 2-byte end code. FINS/UDP node numbers default to the
// last octet of each side's IP address.

const (
	finsMemoryRead     = 0x0101
	finsControllerData = 0x0501
	finsStatusRead     = 0x0601
	finsClockRead      = 0x0701

	finsAreaDM = 0x82 // DM area, word access (CS/CJ/NJ)
)

type finsApp struct {
	eng   bool
	sid   uint8
	cmd   uint16
	count int
}

// clientPort: FINS clients commonly bind 9600 as well.
func (a *finsApp) clientPort(*host) uint16 { return 9600 }

func (a *finsApp) request(b []byte, x *exchange) []byte {
	a.sid++
	b = append(b, 0x80, 0x00, 0x02, 0x00, x.s.ip[3], 0x00, 0x00, x.c.ip[3], 0x00, a.sid)
	a.cmd = finsMemoryRead
	if a.eng {
		switch x.n {
		case 0:
			a.cmd = finsControllerData
		case 1:
			a.cmd = finsStatusRead
		case 2:
			a.cmd = finsClockRead
		}
	}
	b = be16(b, a.cmd)
	switch a.cmd {
	case finsControllerData:
		b = append(b, 0x00) // model and version
	case finsMemoryRead:
		addr, n := 100, 20
		if x.c.Role == RoleSCADA {
			addr, n = 1000, 50
		} else if a.eng {
			addr, n = 0, 40
		}
		a.count = n
		b = append(b, finsAreaDM)
		b = be16(b, uint16(addr))
		b = append(b, 0x00)
		b = be16(b, uint16(n))
	}
	return b
}

func (a *finsApp) response(b []byte, x *exchange) []byte {
	b = append(b, 0xc0, 0x00, 0x02, 0x00, x.c.ip[3], 0x00, 0x00, x.s.ip[3], 0x00, a.sid)
	b = be16(b, a.cmd)
	b = be16(b, 0x0000) // end code: normal completion
	switch a.cmd {
	case finsControllerData:
		b = padded(b, x.s.Model, 20, ' ')
		b = padded(b, "01.40", 20, ' ')
		b = zeros(b, 40) // reserved for system use
		// Area data: program size, IOM size, DM words, timers/counters,
		// EM banks, memory card type and size.
		b = append(b, 0x00, 0x14, 0x17, 0x00, 0x80, 0x00, 0x10, 0x00, 0x19, 0x00, 0x00, 0x00)
	case finsStatusRead:
		b = append(b, 0x01, 0x04) // running, RUN mode
		b = zeros(b, 8)           // fatal, non-fatal, message, FAL/FALS: none
		b = padded(b, "", 16, ' ')
	case finsClockRead:
		t := time.Unix(0, x.now).In(plantZone())
		bcd := func(v int) byte { return byte(v/10<<4 | v%10) }
		b = append(b, bcd(t.Year()%100), bcd(int(t.Month())), bcd(t.Day()),
			bcd(t.Hour()), bcd(t.Minute()), bcd(t.Second()), byte(t.Weekday()))
	default:
		for i := 0; i < a.count; i++ {
			b = be16(b, procWord(i, x.now, 11))
		}
	}
	return b
}
