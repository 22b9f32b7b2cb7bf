package enip

// Encapsulation commands (CIP Vol 2, EtherNet/IP Adaptation, §2-3.2).
const (
	cmdNOP               = 0x0000
	cmdListServices      = 0x0004
	cmdListIdentity      = 0x0063
	cmdListInterfaces    = 0x0064
	cmdRegisterSession   = 0x0065
	cmdUnRegisterSession = 0x0066
	cmdSendRRData        = 0x006f
	cmdSendUnitData      = 0x0070
	cmdIndicateStatus    = 0x0072
	cmdCancel            = 0x0073
	cmdStartDTLS         = 0x00c8
)

// commandName names an encapsulation command; "" when it is not known.
func commandName(cmd uint16) string {
	switch cmd {
	case cmdNOP:
		return "NOP"
	case cmdListServices:
		return "ListServices"
	case cmdListIdentity:
		return "ListIdentity"
	case cmdListInterfaces:
		return "ListInterfaces"
	case cmdRegisterSession:
		return "RegisterSession"
	case cmdUnRegisterSession:
		return "UnRegisterSession"
	case cmdSendRRData:
		return "SendRRData"
	case cmdSendUnitData:
		return "SendUnitData"
	case cmdIndicateStatus:
		return "IndicateStatus"
	case cmdCancel:
		return "Cancel"
	case cmdStartDTLS:
		return "StartDTLS"
	}
	return ""
}

// Common Packet Format item types (Vol 2 §2-6).
const (
	itemNullAddress      = 0x0000
	itemListIdentity     = 0x000c
	itemConnectedAddress = 0x00a1
	itemConnectedData    = 0x00b1
	itemUnconnectedData  = 0x00b2
	itemSequencedAddress = 0x8002
)

// CIP services. 0x01-0x31 are common services, the same on every object
// (Vol 1 Appendix A); 0x4B-0x63 are object-specific, their meaning set
// by the class they are sent to.
const (
	svcGetAttributesAll      = 0x01
	svcMultipleServicePacket = 0x0a
	svcResponse              = 0x80
	firstClassSpecific       = 0x4b
	lastClassSpecific        = 0x63
)

// Classes whose object-specific services are named (Vol 1 chapter 5,
// Vol 2, and Rockwell's Logix 5000 Data Access manual 1756-PM020).
const (
	classIdentity          = 0x01
	classMessageRouter     = 0x02
	classConnectionManager = 0x06
	classFile              = 0x37
	classPCCC              = 0x67
	classSymbol            = 0x6b // Logix tags; tags named by symbol are its instances
	classTemplate          = 0x6c
	classEthernetLink      = 0xf6
)

// Connection Manager services the dissector looks into.
const (
	svcUnconnectedSend  = 0x52
	svcForwardOpen      = 0x54
	svcLargeForwardOpen = 0x5b
)

// IOCode is the code of implicit (class 0/1) I/O data on UDP 2222, above
// every service code (codes of object-specific services carry their class
// in bits 8-23).
const IOCode = 0x1000000

// serviceCode is the event code of a service sent to class: the service
// itself for common services, and class<<8 | service for object-specific
// ones, whose meaning depends on the class (0x4E is Forward_Close on the
// Connection Manager and Read_Modify_Write_Tag on a Logix tag). An
// object-specific service whose class is not known keeps its bare code.
func serviceCode(service uint8, class uint32, hasClass bool) uint32 {
	if service >= firstClassSpecific && service <= lastClassSpecific && hasClass && class <= 0xffff {
		return class<<8 | uint32(service)
	}
	return uint32(service)
}

// serviceName names an event code made by serviceCode; "" when unknown.
func serviceName(code uint32) string {
	switch code {
	case 0x01:
		return "Get_Attributes_All"
	case 0x02:
		return "Set_Attributes_All"
	case 0x03:
		return "Get_Attribute_List"
	case 0x04:
		return "Set_Attribute_List"
	case 0x05:
		return "Reset"
	case 0x06:
		return "Start"
	case 0x07:
		return "Stop"
	case 0x08:
		return "Create"
	case 0x09:
		return "Delete"
	case 0x0a:
		return "Multiple_Service_Packet"
	case 0x0d:
		return "Apply_Attributes"
	case 0x0e:
		return "Get_Attribute_Single"
	case 0x10:
		return "Set_Attribute_Single"
	case 0x11:
		return "Find_Next_Object_Instance"
	case 0x14:
		return "Error_Response"
	case 0x15:
		return "Restore"
	case 0x16:
		return "Save"
	case 0x17:
		return "NOP"
	case 0x18:
		return "Get_Member"
	case 0x19:
		return "Set_Member"
	case 0x1a:
		return "Insert_Member"
	case 0x1b:
		return "Remove_Member"
	case 0x1c:
		return "GroupSync"

	case classConnectionManager<<8 | 0x4e:
		return "Forward_Close"
	case classConnectionManager<<8 | 0x52:
		return "Unconnected_Send"
	case classConnectionManager<<8 | 0x54:
		return "Forward_Open"
	case classConnectionManager<<8 | 0x56:
		return "Get_Connection_Data"
	case classConnectionManager<<8 | 0x57:
		return "Search_Connection_Data"
	case classConnectionManager<<8 | 0x5a:
		return "Get_Connection_Owner"
	case classConnectionManager<<8 | 0x5b:
		return "Large_Forward_Open"

	case classSymbol<<8 | 0x4c:
		return "Read_Tag"
	case classSymbol<<8 | 0x4d:
		return "Write_Tag"
	case classSymbol<<8 | 0x4e:
		return "Read_Modify_Write_Tag"
	case classSymbol<<8 | 0x52:
		return "Read_Tag_Fragmented"
	case classSymbol<<8 | 0x53:
		return "Write_Tag_Fragmented"
	case classSymbol<<8 | 0x55:
		return "Get_Instance_Attribute_List"
	case classTemplate<<8 | 0x4c:
		return "Read_Template"

	case classPCCC<<8 | 0x4b:
		return "Execute_PCCC"

	case classFile<<8 | 0x4b:
		return "Initiate_Upload"
	case classFile<<8 | 0x4c:
		return "Initiate_Download"
	case classFile<<8 | 0x4d:
		return "Initiate_Partial_Read"
	case classFile<<8 | 0x4e:
		return "Initiate_Partial_Write"
	case classFile<<8 | 0x4f:
		return "Upload_Transfer"
	case classFile<<8 | 0x50:
		return "Download_Transfer"
	case classFile<<8 | 0x51:
		return "Clear_File"

	case classEthernetLink<<8 | 0x4c:
		return "Get_and_Clear"

	case IOCode:
		return "I/O Data"
	}
	return ""
}

// deviceTypeName names a CIP device profile (Vol 1 Table 6-7.1); "" when
// unknown.
func deviceTypeName(t uint16) string {
	switch t {
	case 0x00:
		return "Generic Device"
	case 0x02:
		return "AC Drive"
	case 0x03:
		return "Motor Overload"
	case 0x04:
		return "Limit Switch"
	case 0x05:
		return "Inductive Proximity Switch"
	case 0x06:
		return "Photoelectric Sensor"
	case 0x07:
		return "General Purpose Discrete I/O"
	case 0x09:
		return "Resolver"
	case 0x0c:
		return "Communications Adapter"
	case 0x0e:
		return "Programmable Logic Controller"
	case 0x10:
		return "Position Controller"
	case 0x13:
		return "DC Drive"
	case 0x15:
		return "Contactor"
	case 0x16:
		return "Motor Starter"
	case 0x17:
		return "Soft Start"
	case 0x18:
		return "Human-Machine Interface"
	case 0x1a:
		return "Mass Flow Controller"
	case 0x1b:
		return "Pneumatic Valve"
	case 0x1c:
		return "Vacuum Pressure Gauge"
	case 0x1d:
		return "Process Control Value"
	case 0x22:
		return "Encoder"
	case 0x23:
		return "Safety Discrete I/O Device"
	case 0x24:
		return "Fluid Flow Controller"
	case 0x25:
		return "CIP Motion Drive"
	case 0x26:
		return "CompoNet Repeater"
	case 0x28:
		return "CIP Modbus Device"
	case 0x29:
		return "CIP Modbus Translator"
	case 0x2a:
		return "Safety Analog I/O Device"
	case 0x2b:
		return "Generic Device (keyable)"
	case 0x2c:
		return "Managed Ethernet Switch"
	case 0x2d:
		return "CIP Motion Safety Drive Device"
	case 0x2e:
		return "Safety Drive Device"
	case 0x2f:
		return "CIP Motion Encoder"
	case 0x30:
		return "CIP Motion Converter"
	case 0x31:
		return "CIP Motion I/O"
	case 0x32:
		return "ControlNet Physical Layer Component"
	case 0x33:
		return "Circuit Breaker"
	case 0x34:
		return "HART Device"
	case 0x35:
		return "CIP-HART Translator"
	case 0xc8:
		return "Embedded Component"
	}
	return ""
}

// vendors names common ODVA vendor ids (the ODVA vendor id list, as
// Wireshark tabulates it). Names are kept as bytes so that an identity
// can point at them without allocating.
var vendors = map[uint16][]byte{
	1:   []byte("Rockwell Automation/Allen-Bradley"),
	3:   []byte("Honeywell"),
	4:   []byte("Parker Hannifin"),
	5:   []byte("Rockwell Automation/Reliance Electric"),
	7:   []byte("SMC Corporation"),
	8:   []byte("Molex"),
	12:  []byte("Banner Engineering"),
	13:  []byte("Belden"),
	26:  []byte("Festo"),
	40:  []byte("WAGO"),
	43:  []byte("Balluff"),
	44:  []byte("Yaskawa Electric"),
	46:  []byte("ABB"),
	47:  []byte("OMRON"),
	48:  []byte("Turck"),
	57:  []byte("Pepperl+Fuchs"),
	58:  []byte("Spectrum Controls"),
	68:  []byte("Eaton"),
	71:  []byte("Toshiba"),
	74:  []byte("Hitachi"),
	77:  []byte("Rockwell Software"),
	82:  []byte("Mitsubishi Electric"),
	83:  []byte("Opto 22"),
	90:  []byte("HMS Industrial Networks"),
	94:  []byte("Advantech"),
	97:  []byte("Danfoss"),
	100: []byte("Bosch Rexroth"),
	108: []byte("Beckhoff Automation"),
	121: []byte("KUKA"),
	145: []byte("Siemens"),
	159: []byte("IDEC"),
	161: []byte("Mitsubishi Electric"),
	171: []byte("Denso Wave"),
	176: []byte("Red Lion Controls"),
	243: []byte("Schneider Electric"),
	250: []byte("Yokogawa Electric"),
	255: []byte("Bosch Rexroth"),
	256: []byte("Turck"),
	283: []byte("Hilscher"),
	309: []byte("ProSoft Technology"),
	315: []byte("SEW-Eurodrive"),
	319: []byte("Fuji Electric"),
	322: []byte("ifm electronic"),
	326: []byte("GE Fanuc Automation"),
	344: []byte("KEBA"),
	356: []byte("FANUC Robotics"),
	367: []byte("KEYENCE"),
	445: []byte("Lenze"),
	562: []byte("Phoenix Contact"),
	591: []byte("FANUC"),
	634: []byte("Hirschmann"),
	640: []byte("Murrelektronik"),
	678: []byte("Cognex"),
	796: []byte("Siemens"),
	808: []byte("SICK"),
	939: []byte("Cisco Systems"),
	991: []byte("Moxa"),
}
