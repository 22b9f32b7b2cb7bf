package profinet_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/decode"
	"mimamori/protocols"
	"mimamori/protocols/profinet"
	"mimamori/protocols/protocolstest"
)

var hex = protocolstest.Hex

// PROFINET frames after the EtherType: frame ID, then DCP (service ID,
// service type, Xid, response delay, data length, blocks) or RT data.
const (
	identifyAll  = "fefe 05 00 01000001 0001 0004 ffff 0000"
	identifyName = "fefe 05 00 0300bf9a 0001 000c 0202 0007 737769746368 33 00"
	identifyResp = `feff 05 01 01000001 0000 0040
		0202 000a 0000 706c632d3031 3030
		0201 000a 0000 53372d333030 4543
		0203 0006 0000 002a 0101
		0204 0004 0000 0200
		0102 000e 0001 c0a8000b ffffff00 c0a8000b`
	setName     = "fefd 04 00 01000001 0000 0014 0202 0009 0001 256e256e256e20 00 0502 0002 0000"
	setNameResp = "fefd 04 01 01000001 0000 0010 0504 0003 0202 00 00 0504 0003 0502 00 00"
	setIPFail   = "fefd 04 01 01000002 0000 0008 0504 0003 0102 03 00"
	setReset    = "fefd 04 00 01000003 0000 0008 0506 0004 0000 0002"
	setSignal   = "fefd 04 00 01000004 0000 0008 0503 0004 0000 0100"
	getName     = "fefd 03 00 01000005 0000 0004 0202 0102"
	getNotSupp  = "fefd 03 05 01000005 0000 0000"
	hello       = "fefc 06 00 01000006 0000 000e 0202 000a 0000 706c632d3031 3030 0000"
	cyclic1     = "c000 0102030405060708 0000 1234 35 00"
	cyclic3     = "0100 01020304 1234 35 00"
	alarmErr    = "fe01 8001 8001 14 01 ffff fffe 0004 cf81fd0f"
	alarmData   = "fc01 0001 0002 11 00 0001 0000 0012 0001 0020 0100 0001 00000000 0003 8001 0000"
	delayReq    = "ff40 0000000000000000000000000000000000000000"
)

func event(m *protocols.Message) string {
	e, ok := m.Event()
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("0x%04x %q kind=%d err=%v variant=%d", e.Code, e.Function, e.Kind, e.Error, m.Variant)
	for _, a := range e.Attrs() {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return s
}

func TestDissect(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		want  string
		err   error
	}{
		{"identify all", identifyAll, `0x0005 "Identify" kind=1 err=false variant=0 option=all`, nil},
		{"identify by name", identifyName, `0x0005 "Identify" kind=1 err=false variant=0 option=device.name_of_station`, nil},
		{"identify response", identifyResp, `0x0005 "Identify" kind=2 err=false variant=0`, nil},
		{"set name and stop", setName, `0x0004 "Set" kind=1 err=false variant=0 option=device.name_of_station option=control.stop`, nil},
		{"set response", setNameResp, `0x0004 "Set" kind=2 err=false variant=0 option=device.name_of_station option=control.stop`, nil},
		{"set IP refused", setIPFail, `0x0004 "Set" kind=2 err=true variant=0 option=ip.ip_parameter block_error=0x03`, nil},
		{"reset to factory", setReset, `0x0004 "Set" kind=1 err=false variant=0 option=control.reset_to_factory`, nil},
		{"signal", setSignal, `0x0004 "Set" kind=1 err=false variant=0 option=control.signal`, nil},
		{"get", getName, `0x0003 "Get" kind=1 err=false variant=0 option=device.name_of_station option=ip.ip_parameter`, nil},
		{"get not supported", getNotSupp, `0x0003 "Get" kind=2 err=true variant=0 service_type=0x05`, nil},
		{"hello", hello, `0x0006 "Hello" kind=1 err=false variant=0`, nil},
		{"unknown service kept as a number", "fefd 09 00 01000001 0000 0000", `0x0009 "" kind=1 err=false variant=0`, nil},
		{"unknown option kept as a number", "fefd 04 00 01000001 0000 0006 8001 0002 0000",
			`0x0004 "Set" kind=1 err=false variant=0 option=0x8001`, nil},
		{"block overrunning the data ends the blocks", "fefd 04 00 01000001 0000 0006 0202 0009 0000",
			`0x0004 "Set" kind=1 err=false variant=0`, nil},
		{"cyclic RT_CLASS_1", cyclic1, `0xc000 "Cyclic Data RT_CLASS_1" kind=3 err=false variant=1 frame_id=0xc000 data_status=0x35`, nil},
		{"cyclic RT_CLASS_1, another frame ID", "c123" + cyclic1[4:], `0xc000 "Cyclic Data RT_CLASS_1" kind=3 err=false variant=1 frame_id=0xc123 data_status=0x35`, nil},
		{"cyclic RT_CLASS_2", "8001" + cyclic1[4:], `0x8000 "Cyclic Data RT_CLASS_2" kind=3 err=false variant=1 frame_id=0x8001 data_status=0x35`, nil},
		{"cyclic RT_CLASS_3", cyclic3, `0x0100 "Cyclic Data RT_CLASS_3" kind=3 err=false variant=1 frame_id=0x0100 data_status=0x35`, nil},
		{"cyclic RT_CLASS_UDP", "f900" + cyclic1[4:], `0xf800 "Cyclic Data RT_CLASS_UDP" kind=3 err=false variant=1 frame_id=0xf900 data_status=0x35`, nil},
		{"alarm error", alarmErr, `0xfe01 "Alarm Low" kind=3 err=true variant=1 pdu_type=err pnio_status=0xcf81fd0f`, nil},
		{"alarm notification", alarmData, `0xfc01 "Alarm High" kind=3 err=false variant=1 pdu_type=data alarm_type=diagnosis slot=3 subslot=0x8001`, nil},
		{"alarm ack", "fc01 0001 0002 13 00 0001 0000 0000", `0xfc01 "Alarm High" kind=3 err=false variant=1 pdu_type=ack`, nil},
		{"PTCP delay request", delayReq, `0xff40 "PTCP Delay Request" kind=1 err=false variant=1`, nil},
		{"PTCP delay response", "ff43 00", `0xff43 "PTCP Delay Response" kind=2 err=false variant=1`, nil},
		{"unknown frame ID kept as a number", "fe02 00", `0xfe02 "" kind=3 err=false variant=1`, nil},
		{"too short", "fe", "none", protocols.ErrMalformed},
		{"DCP header cut", "fefe 05 00 0100", "none", protocols.ErrMalformed},
		{"DCP data length beyond the frame", "fefe 05 00 01000001 0001 0010 ffff 0000", "none", protocols.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: hex(tt.frame), Transport: protocols.Ethernet, FromClient: true}
			if err := profinet.New().Dissect(&m); !errors.Is(err, tt.err) {
				t.Fatalf("Dissect: %v, want %v", err, tt.err)
			}
			if got := event(&m); got != tt.want {
				t.Errorf("event\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		name, frame            string
		vendor, product, label string
		attrs                  string
	}{
		{"identify response", identifyResp, "Siemens", "S7-300EC", "plc-0100",
			" vendor_id=0x002a device_id=0x0101 device_role=0x02 ip_address=0xc0a8000b"},
		{"hello", hello, "", "", "plc-0100", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := protocols.Message{Payload: hex(tt.frame), Transport: protocols.Ethernet, FromClient: true}
			if err := profinet.New().Dissect(&m); err != nil {
				t.Fatal(err)
			}
			id, ok := m.Identity()
			if !ok {
				t.Fatal("no identity")
			}
			attrs := ""
			for _, a := range id.Attrs() {
				attrs += " " + a.Key + "=" + a.Value.String()
			}
			if string(id.Vendor) != tt.vendor || string(id.Product) != tt.product || string(id.Name) != tt.label || attrs != tt.attrs {
				t.Errorf("vendor %q product %q name %q attrs %q", id.Vendor, id.Product, id.Name, attrs)
			}
		})
	}
	for _, f := range []string{identifyAll, setName, setNameResp, cyclic1} {
		m := protocols.Message{Payload: hex(f), Transport: protocols.Ethernet, FromClient: true}
		if err := profinet.New().Dissect(&m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m.Identity(); ok {
			t.Errorf("%s: identity from a frame that describes no sender", f)
		}
	}
}

func TestNotOnIP(t *testing.T) {
	for _, tr := range []protocols.Transport{protocols.TCP, protocols.UDP} {
		m := protocols.Message{Payload: hex(identifyAll), Transport: tr}
		if err := profinet.New().Dissect(&m); !errors.Is(err, protocols.ErrMalformed) {
			t.Errorf("%v: Dissect = %v", tr, err)
		}
		if profinet.New().Probe(hex(identifyAll), protocols.Conn{Transport: tr}) {
			t.Errorf("%v: Probe claimed a DCP frame", tr)
		}
	}
}

func registry(t testing.TB) *protocols.Registry {
	r, err := protocols.NewRegistry(profinet.New)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	controller = [6]byte{0x00, 0x80, 0xc8, 0x38, 0xa4, 0x8b}
	device     = [6]byte{0x00, 0x02, 0xe3, 0x17, 0xc7, 0x50}
	dcpMcast   = [6]byte{0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00}
)

// TestTracker runs an identification, a Set and cyclic data through the
// Tracker: a response counts with its request (src is the requester), DCP
// and RT are reported under their own IDs, and the device's identity is
// keyed by its MAC.
func TestTracker(t *testing.T) {
	h := protocolstest.New(registry(t), protocols.Options{})
	h.Packet(protocolstest.Frame(controller, dcpMcast, profinet.EtherType, hex(identifyAll)))
	h.Packet(protocolstest.Frame(device, controller, profinet.EtherType, hex(identifyResp)))
	h.Packet(protocolstest.Frame(controller, device, profinet.EtherType, hex(setName)))
	h.Packet(protocolstest.Frame(device, controller, profinet.EtherType, hex(setNameResp)))
	for range 3 {
		h.Packet(protocolstest.Frame(controller, device, profinet.EtherType, hex(cyclic1)))
	}
	events, ids, _ := h.Flush()
	got := protocolstest.Summaries(events)
	want := []string{
		`profinet-dcp 0x0004 "Set" :0>:0 n=2 q=1 r=1 e=0 option=control.stop,device.name_of_station`,
		`profinet-dcp 0x0005 "Identify" :0>:0 n=1 q=0 r=1 e=0`,
		`profinet-dcp 0x0005 "Identify" :0>:0 n=1 q=1 r=0 e=0 option=all`,
		`profinet-rt 0xc000 "Cyclic Data RT_CLASS_1" :0>:0 n=3 q=0 r=0 e=0 data_status=0x35 frame_id=0xc000`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
	if len(ids) != 1 || ids[0].Protocol != profinet.ID || string(ids[0].Name) != "plc-0100" || string(ids[0].Mac) != string(device[:]) {
		t.Errorf("identities %v", ids)
	}
}

// TestVLAN decodes a PROFINET frame behind an 802.1Q tag as captured, and
// checks that it is dissected and counted under its VLAN.
func TestVLAN(t *testing.T) {
	raw := append(append(append(append([]byte{}, dcpMcast[:]...), controller[:]...), hex("8100 6064 8892")...), hex(identifyAll)...)
	var p decode.Packet
	if err := decode.New().Decode(raw, gopacket.CaptureInfo{CaptureLength: len(raw), Length: len(raw)}, layers.LinkTypeEthernet, &p); err != nil {
		t.Fatal(err)
	}
	h := protocolstest.New(registry(t), protocols.Options{})
	p.TimestampNs = protocolstest.Base
	h.Packet(&p)
	events, _, _ := h.Flush()
	if len(events) != 1 || events[0].Protocol != profinet.ID || events[0].Vlan != 100 {
		t.Fatalf("events %v", events)
	}
}
