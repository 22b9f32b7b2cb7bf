package synth

// Scripted FINS/UDP sessions: controller data read, then the operation.

func finsRequest(b []byte, x *exchange, cmd uint16, data func([]byte) []byte) []byte {
	b = append(b, 0x80, 0x00, 0x02, 0x00, x.s.ip[3], 0x00, 0x00, x.c.ip[3], 0x00, byte(x.n+1))
	b = be16(b, cmd)
	if data != nil {
		b = data(b)
	}
	return b
}

func finsReply(b []byte, x *exchange, cmd uint16, data func([]byte) []byte) []byte {
	b = append(b, 0xc0, 0x00, 0x02, 0x00, x.c.ip[3], 0x00, 0x00, x.s.ip[3], 0x00, byte(x.n+1))
	b = be16(b, cmd)
	b = be16(b, 0x0000) // end code: normal completion
	if data != nil {
		b = data(b)
	}
	return b
}

const finsChunkWords = 248 // words per program area transfer (496 bytes)

func finsScript(o plcOp, s *host, noise []byte) *scriptApp {
	simple := func(cmd uint16, data func([]byte) []byte) op {
		return op{
			req:  func(b []byte, x *exchange) []byte { return finsRequest(b, x, cmd, data) },
			resp: func(b []byte, x *exchange) []byte { return finsReply(b, x, cmd, nil) },
		}
	}
	a := &scriptApp{ops: []op{{
		req: func(b []byte, x *exchange) []byte {
			return finsRequest(b, x, finsControllerData, func(b []byte) []byte { return append(b, 0x00) })
		},
		resp: func(b []byte, x *exchange) []byte {
			return finsReply(b, x, finsControllerData, func(b []byte) []byte {
				b = padded(b, s.Model, 20, ' ')
				b = padded(b, "01.40", 20, ' ')
				b = zeros(b, 40)
				return append(b, 0x00, 0x14, 0x17, 0x00, 0x80, 0x00, 0x10, 0x00, 0x19, 0x00, 0x00, 0x00)
			})
		},
	}}}
	switch o {
	case opStop:
		a.ops = append(a.ops, simple(0x0402, nil)) // STOP carries no data
	case opRun:
		a.ops = append(a.ops, simple(0x0401, func(b []byte) []byte { return append(be16(b, 0xffff), 0x04) })) // RUN mode
	case opWrite:
		a.ops = append(a.ops, simple(0x0102, func(b []byte) []byte {
			b = append(b, finsAreaDM)
			b = be16(b, 100)
			b = append(b, 0x00)
			b = be16(b, 4)
			for i := 0; i < 4; i++ {
				b = be16(b, uint16(9999-i))
			}
			return b
		}))
	case opDownload, opUpload:
		const chunks = 32
		for i := 0; i < chunks; i++ {
			word := uint32(i * finsChunkWords)
			n := uint16(finsChunkWords)
			if i == chunks-1 {
				n |= 0x8000 // last block of the transfer
			}
			area := func(b []byte) []byte {
				b = be16(b, 0xffff) // program number: the whole user program
				b = be32(b, word)
				return be16(b, n)
			}
			if o == opDownload {
				a.ops = append(a.ops, op{
					req: func(b []byte, x *exchange) []byte {
						return finsRequest(b, x, 0x0307, func(b []byte) []byte {
							return append(area(b), chunk(noise, i, 2*finsChunkWords)...)
						})
					},
					resp: func(b []byte, x *exchange) []byte { return finsReply(b, x, 0x0307, area) },
				})
				continue
			}
			a.ops = append(a.ops, op{
				req: func(b []byte, x *exchange) []byte { return finsRequest(b, x, 0x0306, area) },
				resp: func(b []byte, x *exchange) []byte {
					return finsReply(b, x, 0x0306, func(b []byte) []byte {
						return append(area(b), chunk(noise, i, 2*finsChunkWords)...)
					})
				},
			})
		}
	}
	return a
}
