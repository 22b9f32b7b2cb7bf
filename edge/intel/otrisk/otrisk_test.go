package otrisk

import (
	"slices"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		protocol string
		code     uint32
		function string
		details  string
		want     Mark
	}{
		{"modbus", 3, "Read Holding Registers", "", 0},
		{"modbus", 16, "Write Multiple Registers", "", Write},
		{"modbus", 23, "Read/Write Multiple Registers", "", Write},
		{"modbus", 8, "Diagnostics", "sub_function=0x0000", 0},
		{"modbus", 8, "Diagnostics", "sub_function=0x0000,0x0001 unit_id=1", Control},
		{"modbus", 90, "Schneider UMAS", "", Program},
		{"modbus", 100, "unknown", "", Unknown},
		{"slmp", 0x0401, "Device Read", "", 0},
		{"slmp", 0x0406, "Device Read Block", "", 0},
		{"slmp", 0x1401, "Device Write", "", Write},
		{"slmp", 0x1001, "Remote RUN", "", Control},
		{"slmp", 0x1002, "Remote STOP", "", Control},
		{"slmp", 0x1630, "Remote Password Unlock", "", Control},
		{"fins", 0x0101, "Memory Area Read", "", 0},
		{"fins", 0x0102, "Memory Area Write", "", Write},
		{"fins", 0x0402, "STOP", "", Control},
		{"fins", 0x2301, "Forced Set/Reset", "", Write | Control},
		{"fins", 0x0307, "Program Area Write", "", Write | Program},
		{"fins", 0x0c01, "Access Right Acquire", "", Control},
		{"s7comm", 0x1a, "Request download", "", Program},
		{"s7comm", 0x29, "PLC Stop", "", Control},
		{"bacnet", 15, "WriteProperty", "", Write},
		{"bacnet", 17, "DeviceCommunicationControl", "", Control},
		{"bacnet", 20, "ReinitializeDevice", "", Control},
		{"cip", 0x10, "Set_Attribute_Single", "", Write},
		{"dnp3", 5, "Direct Operate", "", Write},
		{"dnp3", 13, "Cold Restart", "", Control},
		{"profinet-dcp", 4, "Set", "", Write},
		{"ptp", 11, "Announce", "", 0},
		{"cclink-ie-field", 0, "", "", Unknown},
	} {
		if got := Classify(c.protocol, c.code, c.function, c.details); got != c.want {
			t.Errorf("Classify(%s, %#x, %q, %q) = %v, want %v", c.protocol, c.code, c.function, c.details, got.Keys(), c.want.Keys())
		}
	}
}

func TestKeysAndLabels(t *testing.T) {
	m := Write | Unknown
	if got := m.Keys(); !slices.Equal(got, []string{"write", "unknown"}) {
		t.Errorf("Keys = %v", got)
	}
	if got := m.Labels(); !slices.Equal(got, []string{"書込", "不明コード"}) {
		t.Errorf("Labels = %v", got)
	}
	if got := Mark(0).Keys(); got == nil || len(got) != 0 {
		t.Errorf("no marks: Keys = %#v, want empty", got)
	}
}
