package s7comm_test

import (
	"errors"
	"fmt"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/protocolstest"
	"mimamori/protocols/s7comm"
)

var hex = protocolstest.Hex

// Fixtures are whole TPKT packets from the corpus (snap7 against an
// S7-315, STEP 7 downloads, TIA Portal against an S7-1200, an HMI's
// connection attempt).
const (
	cotpCR     = "0300001611e00000000d00c1020200c2020202c0010a"
	cotpCC     = "0300001611d0000d000500c0010ac1020200c2020202"
	cotpCRPlus = "030000231ee00000001100c1020600c20f53494d415449432d524f4f542d4553c0010a"
	cotpDR     = "0300000b0680000d0005 00"
	setupJob   = "0300001902f08032010000000000080000f0000001000101e0"
	setupAck   = "0300001b02f080320300000000000800000000f0000001000100f0"
	// Read SZL 0x0011 (module identification) and its answer.
	szl11Req  = "0300002102f080320700000100000800080001120411440100ff09000400110000"
	szl11Resp = `0300009902f080320700000100000c007c000112081284010200000000ff09007800110000001c0004
		000136455337203331352d32454831342d304142302000c0000300010006364553372033
		31352d32454831342d304142302000c0000300010007202020202020202020202020202020202020202000c0560302
		070081426f6f74204c6f61646572202020202020202020000041200909`
	// Write Var of a REAL at MD16 and its answer.
	writeBit    = "0300002702f080320100001800000e00080501120a100800010000830000800007000479e9f642"
	writeBitAck = "0300001602f0803203000018000002000100000501ff"
	// Read Var of M, I, Q (16 bytes each), T and C (8 each).
	readVar = `0300004f02f080320100001b00003e00000405120a10020010000083000000120a10020010000081000000
		120a10020010000082000000120a101d000800001d000000120a101c000800001c000000`
	// Start upload of OB 0, refused with an Ack (no data).
	startUploadOB0 = "0300002302f080320100001500001200001d00000000000000095f3038303030303041"
	ackRefused     = "0300001302f08032020000150000000000d20c"
	plcStop        = "0300002102f080320100001c000010000029000000000009505f50524f4752414d"
	piInsertDB1    = "0300002b02f080320100008400001a000028000000000000fd000a01003041303030303150055f494e5345"
	requestDL      = "0300003102f080320100008300002000001a00010000000000095f30413030303031500d31303030323136303030303838"
	blockInfoErr   = "0300002102f080320700000b00000c000400011208128303000000d2090a000000"
	blockInfoReq   = "0300002502f080320700000b000008000c0001120411430300ff0900083041303030303041"
	emptyDT        = "0300000702f000"
	// S7comm-plus: a V2 SetMultiVariables answer, a V3 GetMultiVariables
	// request (integrity part first), a V3 SetVariable of an HMI, a V3
	// notification, and the
	// S7-1200's CreateObject answer describing itself.
	plusSetMultiResp = "0300001f02f080720200103200000542000000023400000000000072020000"
	plusGetMultiV3   = `0300007902f0807203006a20eeed63815b2cdcb7e899d568a24eb02b45ed2246a88700849f03a872687a7c
		09310000054c0000831d70000e4d3400000000030e008780809c4d018e320081490288390000814902883901000004
		e88969001200000000896a001300896b00040000819a730000000072030000`
	plusSetVariableV3 = `0300006802f0807203005920e969a95a852ab0e288480ccecb618e48779f4b68a1ce9a9c42cd6aa536800683
		31000004f20000831a70000e4d7470000e5101881d000700ce000004e88969001200000000896a001300896b0004000000
		84eb270000000072030000`
	plusNotification = `0300005b02f0807203004c20858c8cc6515200791f6d4a7e8f8e05e765695838645e875af747f0fd2c904e
		743370000e51040000000000d28ec151019200000019000e417e964c920000001b000e4193dfbe000000000072030000`
	plusCreateResp = `0300008902f0807201007a32000004ca0000000136110287408707a100000120821f0000a38169001500a382
		3200170000013a823b00048200823c00048140823d00048480c040823e00048480c040823f00151b313b36455337203231
		342d31484533302d30584230203b56322e328240001505323b37393382410003000300a20000000072010000`
	// IEC 61850 MMS on port 102: its own COTP connection (TSAP 0x0001)
	// and data.
	mmsCR = "0300001611e00000000100c1020001c2020001c0010a"
	mmsDT = "0300001b02f080010001006181a53081a2020103a0819ca3819900"
)

func event(m *protocols.Message) string {
	e, ok := m.Event()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("0x%04x %q kind=%d err=%v", e.Code, e.Function, e.Kind, e.Error)
	if m.Variant != 0 {
		s += " plus"
	}
	for _, a := range e.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func dissect(payload string, fromClient bool, state uint64) (protocols.Message, error) {
	m := protocols.Message{Payload: hex(payload), Transport: protocols.TCP, FromClient: fromClient, State: state}
	err := s7comm.New().Dissect(&m)
	return m, err
}

func TestDissect(t *testing.T) {
	tests := []struct {
		name       string
		pdu        string
		fromClient bool
		want       string
		err        error
	}{
		{"COTP connection request", cotpCR, true,
			`0x100e0 "COTP Connection Request" kind=1 err=false calling_tsap=0x0200 called_tsap=0x0202 rack=0 slot=2`, nil},
		{"COTP connection confirm", cotpCC, false,
			`0x100d0 "COTP Connection Confirm" kind=2 err=false calling_tsap=0x0200 called_tsap=0x0202 rack=0 slot=2`, nil},
		{"COTP connection request to S7comm-plus", cotpCRPlus, true,
			`0x100e0 "COTP Connection Request" kind=1 err=false plus calling_tsap=0x0600 called_tsap=SIMATIC-ROOT-ES`, nil},
		{"setup communication", setupJob, true, `0x00f0 "Setup communication" kind=1 err=false pdu_size=480`, nil},
		{"setup communication ack", setupAck, false, `0x00f0 "Setup communication" kind=2 err=false pdu_size=240`, nil},
		{"read SZL", szl11Req, true, `0x7401 "Read SZL" kind=1 err=false szl_id=0x0011 szl_index=0x0000`, nil},
		{"read SZL answer", szl11Resp, false, `0x7401 "Read SZL" kind=2 err=false szl_id=0x0011 szl_index=0x0000`, nil},
		{"write one bit", writeBit, true, `0x0005 "Write Var" kind=1 err=false write_range=M:16-19`, nil},
		{"write ack", writeBitAck, false, `0x0005 "Write Var" kind=2 err=false`, nil},
		{"write refused per item", "0300001a02f080320300001a000002000500000505ffffff0303", false,
			`0x0005 "Write Var" kind=2 err=true item_error=0x03`, nil},
		{"read five areas", readVar, true,
			`0x0004 "Read Var" kind=1 err=false read_range=M:0-15 read_range=I:0-15 read_range=Q:0-15 read_range=T:0-7 read_range=C:0-7`, nil},
		{"read DB bytes", readDB1, true, `0x0004 "Read Var" kind=1 err=false read_range=DB1:0-3`, nil},
		{"read answer", readDB1Ack, false, `0x0004 "Read Var" kind=2 err=false`, nil},
		{"start upload", startUploadOB0, true, `0x001d "Start upload" kind=1 err=false block=OB:0`, nil},
		{"ack of an unseen job", ackRefused, false, `0x0200 "Ack" kind=2 err=true error=0xd20c`, nil},
		{"PLC stop", plcStop, true, `0x0029 "PLC Stop" kind=1 err=false pi_service=P_PROGRAM`, nil},
		{"PI service insert", piInsertDB1, true, `0x0028 "PI-Service" kind=1 err=false pi_service=_INSE block=DB:1`, nil},
		{"request download", requestDL, true, `0x001a "Request download" kind=1 err=false block=DB:1`, nil},
		{"get block info", blockInfoReq, true, `0x7303 "Get block info" kind=1 err=false block=DB:0`, nil},
		{"get block info refused", blockInfoErr, false, `0x7303 "Get block info" kind=2 err=true error=0xd209`, nil},
		{"DB-read items", "0300002602f0803201000011000015000004011211b00302007c003c04008b019402008c006c", true,
			`0x0004 "Read Var" kind=1 err=false read_range=DB124:60-61 read_range=DB139:404-407 read_range=DB140:108-109`, nil},
		{"unknown function kept as a number", "0300001202f080320100000100000100004a", true, `0x004a "" kind=1 err=false`, nil},
		{"unknown userdata subfunction", "0300001d02f080320700000700000800040001120411437f000a000000", true,
			`0x737f "" kind=1 err=false`, nil},
		{"empty DT", emptyDT, true, "none", nil},
		{"S7comm-plus answer", plusSetMultiResp, false, `0x0542 "SetMultiVariables" kind=2 err=false plus version=2`, nil},
		{"S7comm-plus V3 request", plusGetMultiV3, true,
			`0x054c "GetMultiVariables" kind=1 err=false plus version=3 session_id=0x70000e4d`, nil},
		{"S7comm-plus SetVariable", plusSetVariableV3, true,
			`0x04f2 "SetVariable" kind=1 err=false plus version=3 session_id=0x70000e4d object_id=0x70000e51 attribute=1053`, nil},
		{"S7comm-plus PLC stop or start", "0300002802f0807202001931000004f20000000170000e4d34000000340190770100030172020000", true,
			`0x04f2 "SetVariable" kind=1 err=false plus version=2 session_id=0x70000e4d object_id=0x00000034 attribute=2167 plc_control=operating state request`, nil},
		{"S7comm-plus notification", plusNotification, false, `0x20033 "Notification" kind=3 err=false plus version=3`, nil},
		{"MMS connection request", mmsCR, true, "none", nil},
		{"MMS data", mmsDT, true, "none", nil},
		{"disconnect of a conversation not known as S7", cotpDR, true, "none", nil},
		{"TPKT length wrong", "0300002202f08032010000000000080000f0000001000101e0", true, "none", protocols.ErrMalformed},
		{"S7 lengths beyond the packet", "0300001902f08032010000000000090000f0000001000101e0", true, "none", protocols.ErrMalformed},
		{"ROSCTR unknown", "0300001902f08032050000000000080000f0000001000101e0", true, "none", protocols.ErrMalformed},
		{"S7comm-plus length wrong", "0300001f02f080720200113200000542000000023400000000000072020000", false, "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := dissect(tt.pdu, tt.fromClient, 0)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestExchange plays messages of one conversation in order, as the
// Tracker does, and checks what needs the conversation's state: an Ack
// named after the job it refuses, an SZL answer's follow-up part, a
// disconnect reported once the conversation is known to be S7.
func TestExchange(t *testing.T) {
	type msg struct {
		pdu        string
		fromClient bool
		want       string
	}
	tests := []struct {
		name string
		msgs []msg
	}{
		{"ack named after its job", []msg{
			{startUploadOB0, true, `0x001d "Start upload" kind=1 err=false block=OB:0`},
			{ackRefused, false, `0x021d "Ack: Start upload" kind=2 err=true error=0xd20c`},
		}},
		{"ack of an older job", []msg{
			{startUploadOB0, true, `0x001d "Start upload" kind=1 err=false block=OB:0`},
			{"0300001902f08032010000ff0000080000f0000001000101e0", true, `0x00f0 "Setup communication" kind=1 err=false pdu_size=480`},
			{ackRefused, false, `0x021d "Ack: Start upload" kind=2 err=true error=0xd20c`},
		}},
		{"SZL answer in two parts", []msg{
			{"0300002102f080320700000200000800080001120411440100ff090004001c0000", true,
				`0x7401 "Read SZL" kind=1 err=false szl_id=0x001c szl_index=0x0000`},
			{"0300002902f080320700000200000c000c0001120812840102d5010000ff090008001c000000220001", false,
				`0x7401 "Read SZL" kind=2 err=false szl_id=0x001c szl_index=0x0000`},
			{"0300002102f080320700000300000c00040001120812440102000000000a000000", true, `0x7401 "Read SZL" kind=1 err=false`},
			{"0300002502f080320700000300000c00080001120812840102d5000000ff0900044d4d4320", false,
				`0x7401 "Read SZL" kind=2 err=false`},
		}},
		{"disconnect after a connection", []msg{
			{cotpCR, true, `0x100e0 "COTP Connection Request" kind=1 err=false calling_tsap=0x0200 called_tsap=0x0202 rack=0 slot=2`},
			{cotpDR, true, `0x10080 "COTP Disconnect Request" kind=0 err=false`},
		}},
		{"S7comm-plus PDU over three frames", []msg{
			{"0300001802f0807202000d310000054c00000003000003c0", true, `0x054c "GetMultiVariables" kind=1 err=false plus version=2 session_id=0x000003c0`},
			{"0300000f02f0807202000400010203", true, "none"},
			{"0300001302f080720200040001020372020000", true, "none"},
			{plusSetMultiResp, false, `0x0542 "SetMultiVariables" kind=2 err=false plus version=2`},
		}},
		{"S7comm PDU over two COTP DTs", []msg{
			{"0300001202f0003201000000000008000405", true, `0x0005 "Write Var" kind=1 err=false`},
			{"0300001302f08001120a100200100000830000", true, "none"},
			{setupJob, true, `0x00f0 "Setup communication" kind=1 err=false pdu_size=480`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var state uint64
			for i, x := range tt.msgs {
				m, err := dissect(x.pdu, x.fromClient, state)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				state = m.State
				if got := event(&m); got != x.want {
					t.Errorf("message %d\n got %s\nwant %s", i, got, x.want)
				}
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		name                                  string
		pdu                                   string
		product, model, serial, firmware, nom string
	}{
		{"module identification", szl11Resp, "", "6ES7 315-2EH14-0AB0 ", "", "V3.2.7", ""},
		{"component identification", componentResp(), "CPU 315-2 PN/DP", "", "S C-C2UR28922012", "", "SNAP7-SERVER"},
		{"S7comm-plus CreateObject", plusCreateResp, "", "6ES7 214-1HE30-0XB0 ", "", "V2.2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := dissect(tt.pdu, false, 0)
			if err != nil {
				t.Fatal(err)
			}
			id, ok := m.Identity()
			if !ok {
				t.Fatal("no identity")
			}
			got := fmt.Sprintf("%q %q %q %q %q", trim(id.Product), trim(id.Model), trim(id.Serial), trim(id.Firmware), trim(id.Name))
			want := fmt.Sprintf("%q %q %q %q %q", tt.product, tt.model, tt.serial, tt.firmware, tt.nom)
			if got != want {
				t.Errorf("identity\n got %s\nwant %s", got, want)
			}
		})
	}
}

// componentResp is a Read SZL 0x001C answer with the automation system's
// name, the module's name and the serial number.
func componentResp() string {
	rec := func(index int, text string) string {
		b := make([]byte, 32)
		copy(b, text)
		return fmt.Sprintf("%04x%x", index, b)
	}
	recs := rec(1, "SNAP7-SERVER") + rec(2, "CPU 315-2 PN/DP") + rec(5, "S C-C2UR28922012")
	data := fmt.Sprintf("001c0000 0022 0003 %s", recs)
	n := len(hex(data))
	s7 := fmt.Sprintf("3207 0000 0200 000c %04x 000112081284010000000000 ff09%04x %s", n+4, n, data)
	return fmt.Sprintf("0300%04x02f080%s", 7+len(hex(s7)), s7)
}

// trim cuts a fixed-width field at its first NUL, as the Tracker does
// when it keeps the text.
func trim(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func TestProbe(t *testing.T) {
	tcp := protocols.Conn{Transport: protocols.TCP, SrcPort: 40000, DstPort: 1102}
	tests := []struct {
		name    string
		payload string
		c       protocols.Conn
		want    bool
	}{
		{"connection request", cotpCR, tcp, true},
		{"connection request to S7comm-plus", cotpCRPlus, tcp, true},
		{"job", setupJob, tcp, true},
		{"userdata", szl11Resp, tcp, true},
		{"S7comm-plus", plusGetMultiV3, tcp, true},
		{"over UDP", setupJob, protocols.Conn{Transport: protocols.UDP}, false},
		{"MMS connection request", mmsCR, tcp, false},
		{"MMS data", mmsDT, tcp, false},
		{"empty DT", emptyDT, tcp, false},
		{"S7 header reserved bytes", "0300001902f08032010100000000080000f0000001000101e0", tcp, false},
		{"S7 lengths short of the packet", "0300001902f08032010000000000070000f0000001000101e0", tcp, false},
		{"DT without end of TSDU", "0300001902f00032010000000000080000f0000001000101e0", tcp, false},
		{"cut short", setupJob[:20], tcp, false},
		{"Modbus", "000100000006010300000002", tcp, false},
	}
	for _, tt := range tests {
		if got := s7comm.New().Probe(hex(tt.payload), tt.c); got != tt.want {
			t.Errorf("%s: Probe = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFrame(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		n      int
		err    error
	}{
		{"whole", setupJob, 25, nil},
		{"header only", "03000019", 25, nil},
		{"partial header", "0300", 0, nil},
		{"not TPKT", "0400001902", 0, protocols.ErrNotPDU},
		{"reserved byte", "0301001902", 0, protocols.ErrNotPDU},
		{"length below a COTP header", "03000006", 0, protocols.ErrNotPDU},
	}
	for _, tt := range tests {
		n, err := s7comm.New().Frame(hex(tt.stream))
		if n != tt.n || !errors.Is(err, tt.err) {
			t.Errorf("%s: Frame = %d, %v; want %d, %v", tt.name, n, err, tt.n, tt.err)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(s7comm.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSegmentation replays an S7 session — connection, setup, an SZL
// read, a write, a refused upload — split across segments every which
// way, on port 102 and on another port the heuristic finds.
func TestSegmentation(t *testing.T) {
	exchange := session()
	for _, port := range []string{"102", "1102"} {
		t.Run(port, func(t *testing.T) {
			dst := "0a000002:" + port
			protocolstest.CheckSegmentation(t, registry(t), "10.0.0.1:40000", "10.0.0.2:"+port, port != "102", exchange, []string{
				`s7comm 0x0005 "Write Var" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 write_range=M:16-19`,
				`s7comm 0x001d "Start upload" 0a000001:40000>` + dst + ` n=1 q=1 r=0 e=0 block=OB:0`,
				`s7comm 0x00f0 "Setup communication" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 pdu_size=240,480`,
				`s7comm 0x021d "Ack: Start upload" 0a000001:40000>` + dst + ` n=1 q=0 r=1 e=1 error=0xd20c`,
				`s7comm 0x7401 "Read SZL" 0a000001:40000>` + dst + ` n=2 q=1 r=1 e=0 szl_id=0x0011 szl_index=0x0000`,
				`s7comm 0x100d0 "COTP Connection Confirm" 0a000001:40000>` + dst + ` n=1 q=0 r=1 e=0 called_tsap=0x0202 calling_tsap=0x0200 rack=0 slot=2`,
				`s7comm 0x100e0 "COTP Connection Request" 0a000001:40000>` + dst + ` n=1 q=1 r=0 e=0 called_tsap=0x0202 calling_tsap=0x0200 rack=0 slot=2`,
			})
		})
	}
}

// session is an S7 session: connection, setup, an SZL read, a write, a
// refused upload.
func session() []protocolstest.PDU {
	return []protocolstest.PDU{
		{FromClient: true, Data: hex(cotpCR)},
		{FromClient: false, Data: hex(cotpCC)},
		{FromClient: true, Data: hex(setupJob)},
		{FromClient: false, Data: hex(setupAck)},
		{FromClient: true, Data: hex(szl11Req)},
		{FromClient: false, Data: hex(szl11Resp)},
		{FromClient: true, Data: hex(writeBit)},
		{FromClient: false, Data: hex(writeBitAck)},
		{FromClient: true, Data: hex(startUploadOB0)},
		{FromClient: false, Data: hex(ackRefused)},
	}
}
