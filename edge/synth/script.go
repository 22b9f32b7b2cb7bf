package synth

// Scripted sessions: a fixed sequence of request/response exchanges on one
// connection, for what people and tools do to a controller now and then
// (an engineer's program transfer, an attacker's STOP) rather than what
// machines repeat forever. Each protocol's builder below produces the
// exchanges from the layouts in the OT protocol reference; the talk takes
// care of the connection, its handshake and its sequence numbers.

// op is one exchange: what the client sends and what the server answers
// (resp nil: no answer).
type op struct {
	req, resp func(b []byte, x *exchange) []byte
}

type scriptApp struct {
	ops []op
}

func (a *scriptApp) request(b []byte, x *exchange) []byte { return a.ops[x.n].req(b, x) }

func (a *scriptApp) response(b []byte, x *exchange) []byte {
	if r := a.ops[x.n].resp; r != nil {
		return r(b, x)
	}
	return b
}

// exchanges: the script is the connection.
func (a *scriptApp) exchanges() int { return len(a.ops) }

// setupExchanges: a tool sends each request as soon as the previous reply
// arrived.
func (a *scriptApp) setupExchanges() int { return len(a.ops) }

// plcOp is an operation on a controller that changes its state or code.
type plcOp uint8

const (
	opStop plcOp = iota + 1
	opRun
	opWrite
	opDownload
	opUpload
)

// Function names a protocol function as labels report it.
type Function struct {
	Code uint32 // the function or command code as the protocol numbers it
	Name string
}

// plcFunctions lists, per protocol, the function each operation uses (for
// program transfers: the one that starts it).
var plcFunctions = map[Proto]map[plcOp]Function{
	ProtoSLMP: {
		opStop: {0x1002, "remote-stop"}, opRun: {0x1001, "remote-run"}, opWrite: {0x1401, "device-write"},
		opDownload: {0x1203, "file-write"}, opUpload: {0x0206, "file-read"},
	},
	ProtoFINS: {
		opStop: {0x0402, "stop"}, opRun: {0x0401, "run"}, opWrite: {0x0102, "memory-area-write"},
		opDownload: {0x0307, "program-area-write"}, opUpload: {0x0306, "program-area-read"},
	},
	ProtoS7: {
		opStop: {0x29, "plc-stop"}, opRun: {0x28, "plc-control"}, opWrite: {0x05, "write-var"},
		opDownload: {0x1a, "request-download"}, opUpload: {0x1d, "start-upload"},
	},
	ProtoENIP: {
		opStop: {0x07, "stop"}, opRun: {0x06, "start"}, opWrite: {0x4d, "write-tag"},
	},
	ProtoModbus: {
		opWrite: {0x10, "write-multiple-registers"},
	},
}

// plcScript builds the session that performs o on s over proto, after the
// protocol's usual identification reads. noise supplies program bytes.
func plcScript(proto Proto, o plcOp, c, s *host, noise []byte) *scriptApp {
	switch proto {
	case ProtoSLMP:
		return slmpScript(o, noise)
	case ProtoFINS:
		return finsScript(o, s, noise)
	case ProtoS7:
		return s7Script(o, c, s, noise)
	case ProtoENIP:
		return enipScript(o, s)
	case ProtoModbus:
		return modbusScript(o)
	}
	panic("synth: no script for " + proto.String()) // callers check plcFunctions first
}

// newProgramApp is an engineering session with a program transfer: the
// protocol's identification reads, then the upload or download.
func newProgramApp(t *Talk, c, s *host) app {
	o := opUpload
	if t.Program == ProgramDownload {
		o = opDownload
	}
	return plcScript(t.Proto, o, c, s, programBytes)
}

// programBytes stands in for compiled controller code: deterministic,
// not all zeros, and the same for every generator.
var programBytes = func() []byte {
	b := make([]byte, 8192)
	v := uint32(0x2545f491)
	for i := range b {
		v ^= v << 13
		v ^= v >> 17
		v ^= v << 5
		b[i] = byte(v)
	}
	return b
}()

// chunks returns n pieces of size bytes of program code, for transfers.
func chunk(noise []byte, i, size int) []byte {
	off := (i * size) % (len(noise) - size)
	return noise[off : off+size]
}
