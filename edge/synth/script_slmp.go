package synth

// Scripted SLMP sessions (3E binary over TCP): type name read, then the
// operation.

func slmpRequest(b []byte, cmd, sub uint16, data func([]byte) []byte) []byte {
	start := len(b)
	b = slmpHeader(b, 0x50)
	b = le16(b, 0x0010) // monitoring timer: 4 s
	b = le16(b, cmd)
	b = le16(b, sub)
	if data != nil {
		b = data(b)
	}
	return slmpLength(b, start)
}

func slmpReply(b []byte, data func([]byte) []byte) []byte {
	start := len(b)
	b = slmpHeader(b, 0xd0)
	b = le16(b, 0x0000) // end code: success
	if data != nil {
		b = data(b)
	}
	return slmpLength(b, start)
}

const slmpChunk = 960 // file bytes per SLMP file read/write

func slmpScript(o plcOp, noise []byte) *scriptApp {
	typeName := op{
		req: func(b []byte, x *exchange) []byte { return slmpRequest(b, slmpTypeNameRead, 0, nil) },
		resp: func(b []byte, x *exchange) []byte {
			return slmpReply(b, func(b []byte) []byte { return le16(padded(b, "R04CPU", 16, ' '), 0x4801) })
		},
	}
	ok := func(b []byte, x *exchange) []byte { return slmpReply(b, nil) }
	a := &scriptApp{ops: []op{typeName}}
	switch o {
	case opStop:
		a.ops = append(a.ops, op{req: func(b []byte, x *exchange) []byte {
			return slmpRequest(b, 0x1002, 0, func(b []byte) []byte { return le16(b, 0x0001) })
		}, resp: ok})
	case opRun:
		a.ops = append(a.ops, op{req: func(b []byte, x *exchange) []byte {
			// Mode 1: do not run when another device holds a STOP;
			// clear mode 0: keep device memory.
			return slmpRequest(b, 0x1001, 0, func(b []byte) []byte { return append(le16(b, 0x0001), 0x00, 0x00) })
		}, resp: ok})
	case opWrite:
		a.ops = append(a.ops, op{req: func(b []byte, x *exchange) []byte {
			return slmpRequest(b, 0x1401, 0x0000, func(b []byte) []byte {
				b = append(b, 100, 0, 0, slmpDevD) // D100
				b = le16(b, 8)
				for i := 0; i < 8; i++ {
					b = le16(b, uint16(0x7fff-i))
				}
				return b
			})
		}, resp: ok})
	case opDownload, opUpload:
		const size = 16 * slmpChunk
		name := "MAIN.PRG"
		if o == opDownload {
			a.ops = append(a.ops, op{req: func(b []byte, x *exchange) []byte {
				// New file: password (none), drive 0, name, size.
				return slmpRequest(b, 0x1202, 0x0000, func(b []byte) []byte {
					b = le16(b, 0)
					b = le16(b, 0)
					b = le16(b, uint16(len(name)))
					b = append(b, name...)
					return le32(b, size)
				})
			}, resp: ok})
		}
		for i := 0; i < size/slmpChunk; i++ {
			off := uint32(i * slmpChunk)
			if o == opDownload {
				a.ops = append(a.ops, op{req: func(b []byte, x *exchange) []byte {
					return slmpRequest(b, 0x1203, 0x0000, func(b []byte) []byte {
						b = le16(b, 0) // password
						b = le16(b, 1) // file number from the open
						b = le32(b, off)
						b = le16(b, slmpChunk)
						return append(b, chunk(noise, i, slmpChunk)...)
					})
				}, resp: ok})
				continue
			}
			a.ops = append(a.ops, op{req: func(b []byte, x *exchange) []byte {
				return slmpRequest(b, 0x0206, 0x0000, func(b []byte) []byte {
					b = le16(b, 0)
					b = le16(b, 1)
					b = le32(b, off)
					return le16(b, slmpChunk)
				})
			}, resp: func(b []byte, x *exchange) []byte {
				return slmpReply(b, func(b []byte) []byte {
					return append(le16(b, slmpChunk), chunk(noise, i, slmpChunk)...)
				})
			}})
		}
	}
	return a
}
