package cclinkie

// Frame types (byte 0), from the OT protocol reference §2.3.2 and §2.4.1
// (NTT's zeek-parser-CCLinkIENoIP name tables).
const (
	// Field-style header: IE Field, IE Control, and IE TSN's test frames.
	typePersuasion   = 0x10
	typeTestData     = 0x11
	typeTestDataAck  = 0x12
	typeSetup        = 0x13
	typeSetupAck     = 0x14
	typeTokenM       = 0x15
	typeTimer        = 0x1c
	typeMyStatus     = 0x20
	typeTransient1   = 0x22
	typeTransientAck = 0x23
	typeTransient2   = 0x25
	typeIPTransient  = 0x26
	typeParamCheck   = 0x28
	typeParameter    = 0x29
	typeMeasure      = 0x40
	typeMeasureAck   = 0x41
	typeOffset       = 0x42
	typeUpdate       = 0x43
	typeCyclicRWw    = 0x82
	typeCyclicRY     = 0x83
	typeCyclicRWr    = 0x84
	typeCyclicRX     = 0x85

	// Control-style header: IE Control only.
	typeConnect    = 0x00
	typeConnectAck = 0x01
	typeScan       = 0x02
	typeCollect    = 0x03
	typeSelect     = 0x04
	typeLaunch     = 0x05
	typeToken      = 0x06
	typeDummy      = 0x24
	typeNTNTest    = 0x2f
	typeCyclicW    = 0x80
	typeCyclicB    = 0x81
	typeCyclicOut1 = 0x8c
	typeCyclicOut2 = 0x8d
	typeCyclicIn1  = 0x8e
	typeCyclicIn2  = 0x8f

	// IE TSN.
	typeAcyclicPriority     = 0xc0
	typeAcyclicDetection    = 0xc1
	typeAcyclicDetectionAck = 0xc2
	typeAcyclicData         = 0xc3
	typeCyclicMaster        = 0xc4
	typeCyclicSlave         = 0xc5
)

// family is the header layout a frame type uses.
type family uint8

const (
	familyUnknown family = iota
	familyField          // field-style header; the protocol version byte tells the network
	familyControl        // control-style header, IE Control only
	familyTSN            // IE TSN frames
)

// familyOf says which header a frame type has.
func familyOf(t byte) family {
	switch t {
	case typePersuasion, typeTestData, typeTestDataAck, typeSetup, typeSetupAck, typeTokenM, typeTimer,
		typeMyStatus, typeTransient1, typeTransientAck, typeTransient2, typeIPTransient, typeParamCheck,
		typeParameter, typeMeasure, typeMeasureAck, typeOffset, typeUpdate,
		typeCyclicRWw, typeCyclicRY, typeCyclicRWr, typeCyclicRX:
		return familyField
	case typeConnect, typeConnectAck, typeScan, typeCollect, typeSelect, typeLaunch, typeToken,
		typeDummy, typeNTNTest, typeCyclicW, typeCyclicB, typeCyclicOut1, typeCyclicOut2, typeCyclicIn1, typeCyclicIn2:
		return familyControl
	case typeAcyclicPriority, typeAcyclicDetection, typeAcyclicDetectionAck, typeAcyclicData,
		typeCyclicMaster, typeCyclicSlave:
		return familyTSN
	}
	return familyUnknown
}

// frameName names a frame type as the network it was reported under
// knows it; "" when it is not known.
func frameName(t byte, v uint8) string {
	if v == variantTSN {
		switch t {
		case typeTestData:
			return "Acyclic Test Data"
		case typeTestDataAck:
			return "Acyclic Test Data Ack"
		case typeAcyclicPriority:
			return "Acyclic Priority"
		case typeAcyclicDetection:
			return "Acyclic Detection"
		case typeAcyclicDetectionAck:
			return "Acyclic Detection Ack"
		case typeAcyclicData:
			return "Acyclic Data"
		case typeCyclicMaster:
			return "Cyclic Data (Master)"
		case typeCyclicSlave:
			return "Cyclic Data (Slave)"
		}
		return ""
	}
	switch t {
	case typePersuasion:
		return "Persuasion"
	case typeTestData:
		return "Test Data"
	case typeTestDataAck:
		return "Test Data Ack"
	case typeSetup:
		return "Setup"
	case typeSetupAck:
		return "Setup Ack"
	case typeTokenM:
		return "Token"
	case typeTimer:
		return "Timer"
	case typeMyStatus:
		return "My Status"
	case typeTransient1:
		return "Transient 1"
	case typeTransientAck:
		return "Transient Ack"
	case typeTransient2:
		return "Transient 2"
	case typeIPTransient:
		return "IP Transient"
	case typeParamCheck:
		return "Parameter Check"
	case typeParameter:
		return "Parameter"
	case typeMeasure:
		return "Measure"
	case typeMeasureAck:
		return "Measure Ack"
	case typeOffset:
		return "Offset"
	case typeUpdate:
		return "Update"
	case typeCyclicRWw:
		return "Cyclic Data RWw"
	case typeCyclicRY:
		return "Cyclic Data RY"
	case typeCyclicRWr:
		return "Cyclic Data RWr"
	case typeCyclicRX:
		return "Cyclic Data RX"
	}
	if v != variantControl {
		return ""
	}
	switch t {
	case typeConnect:
		return "Connect"
	case typeConnectAck:
		return "Connect Ack"
	case typeScan:
		return "Scan"
	case typeCollect:
		return "Collect"
	case typeSelect:
		return "Select"
	case typeLaunch:
		return "Launch"
	case typeToken:
		return "Token (Control)"
	case typeDummy:
		return "Dummy"
	case typeNTNTest:
		return "Node-to-Node Test"
	case typeCyclicW:
		return "Cyclic Data W"
	case typeCyclicB:
		return "Cyclic Data B"
	case typeCyclicOut1:
		return "Cyclic Data Out 1"
	case typeCyclicOut2:
		return "Cyclic Data Out 2"
	case typeCyclicIn1:
		return "Cyclic Data In 1"
	case typeCyclicIn2:
		return "Cyclic Data In 2"
	}
	return ""
}

// nodeTypeName names the node type of persuasion, test data and myStatus
// frames (§2.3.3); "" when it is not known.
func nodeTypeName(nt byte, v uint8) string {
	if v == variantControl {
		switch nt {
		case 0x00:
			return "management node"
		case 0x02:
			return "normal node"
		case '!':
			return "node-to-node test master"
		}
		return ""
	}
	switch nt {
	case '0':
		return "master node"
	case '2':
		return "local node"
	case '3':
		return "intelligent device node"
	case '4':
		return "remote device node"
	case '5':
		return "remote I/O node"
	}
	return ""
}

// tsnNodeTypeName names an IE TSN station's node type (detection ack
// byte 2; bit 7 says the station supports transient transmission only).
func tsnNodeTypeName(nt byte) string {
	switch nt & 0x7f {
	case 0x00:
		return "master station"
	case 0x01:
		return "slave station"
	case 0x02:
		return "managed switch"
	case 0x03:
		return "use prohibited"
	case 0x04:
		return "sub-master station"
	}
	return ""
}

// Transient1 data types (byte 1) and their commands (§2.3.4).
const (
	dataTypeCommon = 0x05 // SLMP tunnelled: CT at offset 52
	dataTypeField  = 0x07 // IE Field: command at 30, sub-command at 31
	dataTypeMotion = 0x08 // IE Field motion: same offsets
)

// transient1Command names a transient1 command; "" when not known.
func transient1Command(dataType, cmd byte) string {
	switch dataType {
	case dataTypeCommon:
		switch cmd {
		case 0x30:
			return "SLMP transmit request"
		case 0xb0:
			return "SLMP transmit response"
		}
	case dataTypeField:
		switch cmd {
		case 0x01:
			return "deliver node information"
		case 0x03:
			return "get statistical information"
		case 0x04:
			return "acquire detailed node information"
		case 0x0a:
			return "acquire optional information"
		}
	case dataTypeMotion:
		switch cmd {
		case 0x01:
			return "communication cycle setting"
		case 0x02:
			return "object read"
		case 0x03:
			return "object write"
		}
	}
	return ""
}

// transient2Command names a transient2 command (CT); "" when not known.
// Run, stop and write memory are the PLC control operations of these
// networks. IE Control has no message transfer.
func transient2Command(ct byte, v uint8) string {
	switch ct {
	case 0x04:
		return "get memory access info"
	case 0x08:
		return "run"
	case 0x09:
		return "stop"
	case 0x10:
		return "read memory"
	case 0x12:
		return "write memory"
	case 0x20:
		if v != variantControl {
			return "message transfer"
		}
	}
	return ""
}

// deviceTypeName names an IE TSN device type (detection ack bytes
// 128-129, §2.4.1); "" when not known.
func deviceTypeName(t uint16) string {
	switch t {
	case 0x0000:
		return "not applicable"
	case 0x0001:
		return "PLC"
	case 0x0002:
		return "personal computer"
	case 0x0003:
		return "digital I/O"
	case 0x0004:
		return "analog I/O"
	case 0x0005:
		return "positioning controller"
	case 0x0006:
		return "temperature controller"
	case 0x0007:
		return "HMI"
	case 0x0008:
		return "ID"
	case 0x0009:
		return "serial conversion module"
	case 0x001d:
		return "CC-Link to CC-Link/LT bridge"
	case 0x001f:
		return "service converter module"
	case 0x0020:
		return "inverter"
	case 0x0021:
		return "servo"
	case 0x0022:
		return "CNC"
	case 0x0023:
		return "robot"
	case 0x0024:
		return "power distribution control device"
	case 0x0030:
		return "sensor"
	case 0x0031:
		return "actuator"
	case 0x0032:
		return "barcode reader"
	case 0x0033:
		return "indicator (weight)"
	case 0x0034:
		return "high-speed counter"
	case 0x0035:
		return "switch"
	case 0x0036:
		return "service analyzer"
	case 0x0037:
		return "space transmission module"
	case 0x0038:
		return "transport control module"
	case 0x0039:
		return "power supply control module"
	case 0x003b:
		return "gas detector"
	case 0x003c:
		return "solenoid valve"
	case 0x003d:
		return "robot (general-purpose)"
	case 0x003e:
		return "printer control module"
	case 0x003f:
		return "motor control module"
	case 0x0040:
		return "vacuum pump"
	case 0x0041:
		return "multi-axis controller"
	case 0x0042:
		return "general-purpose VME board"
	case 0x0043:
		return "mass flow power supply module"
	case 0x0044:
		return "mass flow controller"
	case 0x0045:
		return "received power distribution device"
	case 0x0046:
		return "control center"
	case 0x0047:
		return "welding control module"
	case 0x0048:
		return "indicator (general-purpose)"
	case 0x0049:
		return "PID control module"
	case 0x004a:
		return "vacuum meter"
	case 0x004b:
		return "wireless module"
	case 0x004c:
		return "digital/analog I/O"
	case 0x004d:
		return "vacuum valve"
	case 0x004e:
		return "tension controller"
	case 0x004f:
		return "measuring machine"
	case 0x007f:
		return "generic device"
	}
	return ""
}
