package synth

// Scripted S7comm sessions over ISO-on-TCP: COTP connect and setup
// communication, then the operation.

// s7PDU appends one TPKT/COTP DT frame carrying an S7 PDU.
func s7PDU(b []byte, rosctr byte, ref uint16, param, data []byte) []byte {
	start := len(b)
	b = tpktDT(b)
	b = append(b, 0x32, rosctr, 0, 0)
	b = be16(b, ref)
	b = be16(b, uint16(len(param)))
	b = be16(b, uint16(len(data)))
	if rosctr == s7AckData {
		b = append(b, 0, 0) // error class, error code
	}
	b = append(b, param...)
	b = append(b, data...)
	return tpktLength(b, start)
}

// s7File is the file part of a block transfer: "_", block type (08 = OB),
// block number, and the file system (P passive for downloads, A active).
func s7File(fs byte) []byte { return append([]byte{9}, "_0800001"+string(fs)...) }

const (
	s7Chunk      = 200 // block bytes per download/upload PDU (fits a 240-byte PDU)
	s7Chunks     = 16
	s7ProgramLen = s7Chunk * s7Chunks
	s7UploadID   = 7
)

var s7Program = []byte("P_PROGRAM")

func s7Script(o plcOp, c, s *host, noise []byte) *scriptApp {
	// Connection and setup come from the panel app, as a programming
	// tool's PG connection.
	sess := newS7(&Talk{Engineering: true}, c, s)
	a := &scriptApp{ops: []op{{sess.request, sess.response}, {sess.request, sess.response}}}
	plcRef := uint16(0x0a00)
	job := func(param, data []byte) func(b []byte, x *exchange) []byte {
		return func(b []byte, x *exchange) []byte {
			sess.ref++
			return s7PDU(b, s7Job, sess.ref, param, data)
		}
	}
	ack := func(param, data []byte) func(b []byte, x *exchange) []byte {
		return func(b []byte, x *exchange) []byte { return s7PDU(b, s7AckData, sess.ref, param, data) }
	}
	switch o {
	case opStop:
		p := append([]byte{0x29, 0, 0, 0, 0, 0, byte(len(s7Program))}, s7Program...)
		a.ops = append(a.ops, op{job(p, nil), ack([]byte{0x29}, nil)})
	case opRun:
		// PI service "P_PROGRAM": a warm restart into RUN.
		p := append([]byte{0x28, 0, 0, 0, 0, 0, 0, 0xfd, 0, 0, byte(len(s7Program))}, s7Program...)
		a.ops = append(a.ops, op{job(p, nil), ack([]byte{0x28}, nil)})
	case opWrite:
		p := []byte{s7FuncWriteVar, 1, 0x12, 0x0a, 0x10, 0x02, 0, 16, 0, 1, s7AreaDB, 0, 0, 0}
		d := []byte{0x00, 0x04, 0x00, 16 * 8}
		for i := 0; i < 8; i++ {
			d = be16(d, uint16(30000+i))
		}
		a.ops = append(a.ops, op{job(p, d), ack([]byte{s7FuncWriteVar, 1}, []byte{0xff})})
	case opDownload:
		name := s7File('P')
		// Request download: the file name and "1", load memory length and
		// MC7 code length as six digits each.
		req := append(append([]byte{0x1a, 0, 1, 0, 0, 0, 0, 0}, name...), 13)
		req = append(req, "1003200003200"...)
		block := append([]byte{0x1b, 0, 1, 0, 0, 0, 0, 0}, name...)
		// The controller then pulls the block: it sends "download block"
		// jobs and the programming tool answers each with data, and it
		// closes with "download ended". In one request/response exchange
		// the tool's answer goes first, so each exchange carries the
		// tool's data and the controller's next job.
		plcJob := func(param []byte) func(b []byte, x *exchange) []byte {
			return func(b []byte, x *exchange) []byte {
				plcRef++
				return s7PDU(b, s7Job, plcRef, param, nil)
			}
		}
		a.ops = append(a.ops, op{job(req, nil), func(b []byte, x *exchange) []byte {
			b = s7PDU(b, s7AckData, sess.ref, []byte{0x1a}, nil)
			return plcJob(block)(b, x)
		}})
		for i := 0; i < s7Chunks; i++ {
			more := byte(1)
			next := plcJob(block)
			if i == s7Chunks-1 {
				more = 0
				next = plcJob(append([]byte{0x1c, 0, 0, 0, 0, 0, 0, 0}, name...))
			}
			data := append([]byte{0, s7Chunk, 0x00, 0xfb}, chunk(noise, i, s7Chunk)...)
			a.ops = append(a.ops, op{func(b []byte, x *exchange) []byte {
				return s7PDU(b, s7AckData, plcRef, []byte{0x1b, more}, data)
			}, next})
		}
		// Acknowledge "download ended", then insert the block into the
		// running program (PI service _INSE).
		inse := []byte{0x28, 0, 0, 0, 0, 0, 0, 0xfd, 0, 10, 0x01, 0x00}
		inse = append(inse, "0800001P"...)
		inse = append(inse, 5)
		inse = append(inse, "_INSE"...)
		a.ops = append(a.ops, op{func(b []byte, x *exchange) []byte {
			b = s7PDU(b, s7AckData, plcRef, []byte{0x1c}, nil)
			return job(inse, nil)(b, x)
		}, ack([]byte{0x28}, nil)})
	case opUpload:
		id := []byte{0, 0, 0, s7UploadID}
		start := append([]byte{0x1d, 0, 0, 0, 0, 0, 0, 0}, s7File('A')...)
		startAck := append(append([]byte{0x1d, 0, 1, 0}, id...), 7)
		startAck = append(startAck, "0003200"...)
		a.ops = append(a.ops, op{job(start, nil), ack(startAck, nil)})
		for i := 0; i < s7Chunks; i++ {
			more := byte(1)
			if i == s7Chunks-1 {
				more = 0
			}
			data := append([]byte{0, s7Chunk, 0x00, 0xfb}, chunk(noise, i, s7Chunk)...)
			a.ops = append(a.ops, op{job(append([]byte{0x1e, 0, 0, 0}, id...), nil), ack([]byte{0x1e, more}, data)})
		}
		a.ops = append(a.ops, op{job(append([]byte{0x1f, 0, 0, 0}, id...), nil), ack([]byte{0x1f}, nil)})
	}
	return a
}
