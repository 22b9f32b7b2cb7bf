package s7comm_test

import (
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/s7comm"
)

// with returns the packet with the bytes at off set to v.
func with(pdu string, off int, v ...byte) []byte {
	b := hex(pdu)
	copy(b[off:], v)
	return b
}

// Offsets in a TPKT packet holding an S7comm PDU in a COTP DT, and in one
// holding an S7comm-plus frame.
const (
	offRef      = 11 // PDU reference
	offAckData  = 19 // Ack_Data parameter
	offPlusSeq  = 18 // sequence number of an S7comm-plus V1/V2 request or response
	offV3Digest = 12 // integrity digest of a V3 frame
	offV3Seq    = 51 // sequence number after it
)

// A Read Var of two S7ANY items (32 bytes of DB1, 16 of the flags), too
// long for a key of its whole parameter, and its answer.
const (
	readTwo    = "0300002b02f080320100000070001a0000040212" + "0a10020020000184000000" + "120a10020010000083000000"
	readTwoAck = "0300004d02f0803203000000700002003800000402" +
		"ff040100" + "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20" +
		"ff040080" + "0102030405060708090a0b0c0d0e0f10"
)

// Userdata pushed by the PLC (cyclic data), and its next push: another
// sequence number and values.
const (
	cyclicPush     = "0300002102f080320700000500000800080001120400020100ff0900040a0b0c0d"
	cyclicPushNext = "0300002102f080320700000600000800080001120400020107ff090004aabbccdd"
)

func repeatKey(t *testing.T, b []byte) (protocols.RepeatKey, int) {
	t.Helper()
	return protocolstest.RepeatKey(t, s7comm.New(), b, true)
}

// TestRepeatKeys checks that two polls differing only in what Dissect
// does not report (sequence numbers, the PDU reference of an answer,
// digests, values) share a key, and that messages reported differently do
// not.
func TestRepeatKeys(t *testing.T) {
	tests := []struct {
		name string
		a, b []byte
		same bool
	}{
		{"Read Var answer, next reference and values",
			hex(readDB1Ack), with(readDB1Ack, offRef, 0x12, 0x34), true},
		{"Read Var answer, other values",
			hex(readDB1Ack), with(readDB1Ack, offAckData+6, 9, 8, 7, 6), true},
		{"Write Var answer, next reference", hex(writeBitAck), with(writeBitAck, offRef, 0, 0x19), true},
		{"Read Var job, reference reused", hex(readDB1), hex(readDB1), true},
		{"Read Var job, next reference", hex(readDB1), with(readDB1, offRef, 0, 2), true},
		{"Read Var job of two items, next reference", hex(readTwo), with(readTwo, offRef, 0, 0x71), true},
		{"Read Var job of two items, another address of the second", hex(readTwo), with(readTwo, 42, 8), false},
		{"Read Var job of two items, another syntax id", hex(readTwo), with(readTwo, 33, 0x11), false},
		{"cyclic data push, next sequence and values", hex(cyclicPush), hex(cyclicPushNext), true},
		{"S7comm-plus answer, next sequence number",
			hex(plusSetMultiResp), with(plusSetMultiResp, offPlusSeq, 0x01, 0x02), true},
		{"S7comm-plus V3 request, next digest and sequence number",
			with(plusGetMultiV3, offV3Digest, 1, 2, 3), with(plusGetMultiV3, offV3Seq, 0x83, 0x1e), true},
		{"S7comm-plus notification, next digest", hex(plusNotification), with(plusNotification, offV3Digest, 7), true},

		{"Read Var job of another DB", hex(readDB1), with(readDB1, 26, 0, 2), false},
		{"Read Var job of another area", hex(readDB1), with(readDB1, 28, 0x83), false},
		{"Read Var and Write Var answers", hex(readDB1Ack), with(readDB1Ack, offAckData, 5), false},
		{"Read Var answer with a failed item", hex(readDB1Ack), with(readDB1Ack, offAckData+2, 0x0a), false},
		{"Read Var answer with a header error", hex(readDB1Ack), with(readDB1Ack, 17, 0x81, 0x04), false},
		{"Write Var answer refused per item", hex(writeBitAck), hex("0300001a02f080320300001a000002000500000505ffffff0303"), false},
		{"setup answer, another PDU size", hex(setupAck), with(setupAck, offAckData+6, 0x01, 0xe0), false},
		{"Ack of another job, neither remembered", hex(ackRefused), with(ackRefused, offRef, 0, 0x16), true},
		{"Ack with another error", hex(ackRefused), with(ackRefused, 18, 0x0d), false},
		{"cyclic push and another subfunction", hex(cyclicPush), with(cyclicPush, 23, 0x02), false},
		{"cyclic push and a request", hex(cyclicPush), with(cyclicPush, 22, 0x42), false},
		{"S7comm-plus answer, another function", hex(plusSetMultiResp), with(plusSetMultiResp, 15, 0x4c), false},
		{"S7comm-plus answer, another version", hex(plusSetMultiResp), with(plusSetMultiResp, 8, 1), false},
		{"S7comm-plus request of another session", hex(plusGetMultiV3), with(plusGetMultiV3, offV3Seq+2, 0x71), false},
		{"S7comm-plus SetVariable of another object", hex(plusSetVariableV3), with(plusSetVariableV3, 58, 0x52), false},
		{"S7comm-plus SetVariable of another attribute", hex(plusSetVariableV3), with(plusSetVariableV3, 64, 0x1e), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, na := repeatKey(t, tt.a)
			kb, nb := repeatKey(t, tt.b)
			if na == 0 {
				t.Fatalf("no key for %x", tt.a)
			}
			if same := na == nb && ka == kb; same != tt.same {
				t.Errorf("keys %x and %x: equal %v, want %v", ka[:na], kb[:nb], same, tt.same)
			}
			protocolstest.CheckRepeat(t, s7comm.New(), tt.a)
			protocolstest.CheckRepeat(t, s7comm.New(), tt.b)
		})
	}
}

// TestRepeatAckNamesJob checks that an Ack without a parameter is keyed
// by the job its reference names in the State, as Dissect names it, and
// that jobs leave the State Dissect leaves.
func TestRepeatAckNamesJob(t *testing.T) {
	d := s7comm.New()
	sr := d.(protocols.StateRepeater)
	after := func(st uint64, job []byte) uint64 {
		var key protocols.RepeatKey
		n, _, next := sr.RepeatState(job, true, st, &key)
		m := protocols.Message{Payload: job, Transport: protocols.TCP, FromClient: true, State: st}
		if err := d.Dissect(&m); err != nil || n == 0 || next != m.State {
			t.Fatalf("job %x: key length %d, next %#x; Dissect: %v, State %#x", job, n, next, err, m.State)
		}
		return next
	}
	ackKey := func(st uint64) protocols.RepeatKey {
		var key protocols.RepeatKey
		if n, _, _ := sr.RepeatState(hex(ackRefused), false, st, &key); n == 0 {
			t.Fatal("no key for the Ack")
		}
		return key
	}
	// ackRefused answers reference 0x1500.
	write, read := with(writeBit, offRef, 0x15, 0), with(readDB1, offRef, 0x15, 0)
	none, w, r := ackKey(0), ackKey(after(0, write)), ackKey(after(0, read))
	if none == w || w == r || none == r {
		t.Errorf("Ack keys with no job, a write and a read remembered: %x, %x, %x; want three", none, w, r)
	}
	// The write is still the one before last when another job comes.
	if got := ackKey(after(after(0, write), with(readDB1, offRef, 0x16, 0))); got != w {
		t.Errorf("Ack key with the write one job back %x, want %x", got, w)
	}
	protocolstest.CheckRepeat(t, d, hex(ackRefused))
}

// TestRepeatKeyWhole checks that a key does not depend on what the key
// held before: the Tracker reuses one for every conversation and compares
// all its bytes.
func TestRepeatKeyWhole(t *testing.T) {
	for _, pdu := range []string{readDB1, readDB1Ack, writeBitAck, setupAck, ackRefused, cyclicPush,
		plusSetMultiResp, plusGetMultiV3, plusSetVariableV3, plusNotification} {
		want, n := repeatKey(t, hex(pdu))
		var key protocols.RepeatKey
		for i := range key {
			key[i] = 0xa5
		}
		if m, _, _ := s7comm.New().(protocols.StateRepeater).RepeatState(hex(pdu), true, 0, &key); m != n || key != want {
			t.Errorf("%s: key %x over a used key, %x over zeros", pdu, key, want)
		}
	}
}

// TestRepeatNone lists messages Repeat leaves to Dissect: connection
// management, those that identify the PLC or report details from their
// data, and PDUs cut over several frames or that Dissect refuses.
func TestRepeatNone(t *testing.T) {
	tests := []struct {
		name string
		pdu  string
	}{
		{"COTP connection request", cotpCR},
		{"COTP connection confirm", cotpCC},
		{"COTP disconnect", cotpDR},
		{"empty DT", emptyDT},
		{"MMS data", mmsDT},
		{"read SZL", szl11Req},
		{"read SZL answer", szl11Resp},
		{"get block info", blockInfoReq},
		{"get block info refused", blockInfoErr},
		{"S7comm-plus CreateObject answer", plusCreateResp},
		{"job parameter longer than a key", readVar},
		{"S7comm PDU continued in the next DT", "0300001202f0003201000000000008000405"},
		{"S7comm-plus PDU continued in the next frame", "0300001802f0807202000d310000054c00000003000003c0"},
		{"TPKT length wrong", "0300002202f08032010000000000080000f0000001000101e0"},
		{"S7 lengths beyond the packet", "0300001902f08032010000000000090000f0000001000101e0"},
		{"ROSCTR unknown", "0300001902f08032050000000000080000f0000001000101e0"},
		{"S7comm-plus length wrong", "0300001f02f080720200113200000542000000023400000000000072020000"},
		{"job without parameter", "0300001102f08032010000000100000000"},
	}
	for _, tt := range tests {
		if key, n := repeatKey(t, hex(tt.pdu)); n != 0 {
			t.Errorf("%s: key %x, want none", tt.name, key[:n])
		}
	}
}

// TestRepeatContract checks the Repeater contract byte by byte on every
// kind of message the unit tests use, whole and cut short.
func TestRepeatContract(t *testing.T) {
	pdus := []string{cotpCR, cotpCC, cotpCRPlus, cotpDR, setupJob, setupAck, szl11Req, szl11Resp, writeBit,
		writeBitAck, readVar, readDB1, readDB1Ack, startUploadOB0, ackRefused, plcStop, piInsertDB1, requestDL,
		blockInfoErr, blockInfoReq, emptyDT, plusSetMultiResp, plusGetMultiV3, plusGetMultiV3Resp,
		plusSetVariableV3, plusNotification, plusCreateResp, mmsCR, mmsDT, cyclicPush, cyclicPushNext,
		"0300001a02f080320300001a000002000500000505ffffff0303",
		"0300001902f080320300000002000200040000 0401 0a000000",
		"0300002302f0803203000002000002000c00000402 ff040008 01000000 0a000000",
		"0300002602f0803201000011000015000004011211b00302007c003c04008b019402008c006c",
		"0300001202f080320100000100000100004a",
		"0300001d02f080320700000700000800040001120411437f000a000000",
		"0300002102f080320700000200000c00040001120812440102000000000a000000",
		"0300002502f080320700000300000c00080001120812840102d5000000ff0900044d4d4320",
		"0300002802f0807202001931000004f20000000170000e4d34000000340190770100030172020000",
		"0300001802f0807202000d310000054c00000003000003c0",
		"0300001302f080720200040001020372020000",
		"0300001002f08072fe00010072fe0000",
		"0300001502f080720200063200000542ff0072020000",
		"0300001702f0807202000832000005420000c08072020000",
		"0300001202f0003201000000000008000405",
	}
	for _, pdu := range pdus {
		m := hex(pdu)
		for _, b := range [][]byte{m, m[:len(m)-1], m[:len(m)/2]} {
			protocolstest.CheckRepeat(t, s7comm.New(), b)
		}
	}
}

// TestRepeatsCounted polls as HMIs do — sequence numbers, digests and
// values changing, the PDU reference reused or counting up — and checks
// how many messages the Tracker counts as repeats, and that it reports
// what it reports with every message dissected.
func TestRepeatsCounted(t *testing.T) {
	const polls = 20
	tests := []struct {
		name      string
		req, resp func(i int) []byte
		repeats   uint64
		// templated: of the repeats, those told by a template. S7comm-plus
		// keeps none; a job or Ack_Data with a parameter keeps one whatever
		// the references remembered in the State.
		templated uint64
	}{
		// Dissected: the first job and answer.
		{"S7comm-plus", func(i int) []byte { return with(plusGetMultiV3, offV3Seq, 0x83, byte(i)) },
			func(i int) []byte { return with(plusGetMultiV3Resp, offV3Digest, byte(i), byte(i)) }, 2*polls - 2, 0},
		{"S7comm, reference reused", func(i int) []byte { return hex(readDB1) },
			func(i int) []byte { return with(readDB1Ack, offAckData+6, byte(i)) }, 2*polls - 2, 2*polls - 2},
		// Each job is remembered in the State for an Ack that may refuse
		// it; RepeatState remembers it as Dissect does, and NextState as
		// RepeatState does.
		{"S7comm, reference counting up", func(i int) []byte { return with(readDB1, offRef, 0, byte(i)) },
			func(i int) []byte { return with(readDB1Ack, offRef, 0, byte(i)) }, 2*polls - 2, 2*polls - 2},
		// Jobs of two items are keyed without the bytes every item
		// starts with.
		{"S7comm, two items read", func(i int) []byte { return with(readTwo, offRef, 0, byte(i)) },
			func(i int) []byte { return with(readTwoAck, offRef, 0, byte(i)) }, 2*polls - 2, 2*polls - 2},
		// An Ack without a parameter is named by the job its reference
		// names: it keeps no template.
		{"S7comm, writes refused", func(i int) []byte { return with(writeBit, offRef, 1, byte(i)) },
			func(i int) []byte { return with(ackRefused, offRef, 1, byte(i)) }, 2*polls - 2, polls - 1},
		// Refused writes and reads in turn: each Ack names another
		// function than the one before, and is keyed by it. Both jobs
		// and both Acks are remembered: all but the first of each
		// repeat. Each job keeps a template.
		{"S7comm, writes and reads refused in turn", func(i int) []byte {
			if i%2 == 0 {
				return with(writeBit, offRef, 1, byte(i))
			}
			return with(readDB1, offRef, 1, byte(i))
		}, func(i int) []byte { return with(ackRefused, offRef, 1, byte(i)) }, 2*polls - 4, polls - 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var templated uint64
			run := func(opts protocols.Options) (string, uint64) {
				h := protocolstest.New(registry(t), opts)
				c := h.TCP("10.0.0.1:40000", "10.0.0.2:102")
				for i := 0; i < polls; i++ {
					c.Send(true, tt.req(i))
					c.Send(false, tt.resp(i))
				}
				events, _, st := h.Flush()
				templated = st.Templated
				var out string
				for _, e := range events {
					out += e.String() + "\n"
				}
				return out, st.Repeats
			}
			want, _ := run(protocols.Options{DissectRepeats: true})
			got, repeats := run(protocols.Options{})
			if got != want {
				t.Errorf("counting repeats reports\n%s\ndissecting each\n%s", got, want)
			}
			if repeats != tt.repeats || templated != tt.templated {
				t.Errorf("%d repeats, %d told by a template; want %d and %d", repeats, templated, tt.repeats, tt.templated)
			}
		})
	}
}
