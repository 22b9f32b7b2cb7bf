package slmp

// Commands (CLPA BAP-C2006ENG §8.3, as tabulated in the project's OT
// protocol reference §2.2.1).
const (
	cmdReadTypeName      = 0x0101
	cmdDeviceRead        = 0x0401
	cmdDeviceReadRandom  = 0x0403
	cmdDeviceReadBlock   = 0x0406
	cmdDeviceWrite       = 0x1401
	cmdDeviceWriteRandom = 0x1402
	cmdDeviceWriteBlock  = 0x1406
)

// commandName names a command; "" when the command is not known.
func commandName(cmd uint16) string {
	switch cmd {
	case cmdReadTypeName:
		return "Read Type Name"
	case 0x0201:
		return "File Info Read"
	case 0x0202:
		return "File Info Detail Read"
	case 0x0203:
		return "File Search"
	case 0x0204:
		return "File Info Read (No Usage)"
	case 0x0205:
		return "Drive State Read"
	case 0x0206:
		return "File Read"
	case cmdDeviceRead:
		return "Device Read"
	case cmdDeviceReadRandom:
		return "Device Read Random"
	case cmdDeviceReadBlock:
		return "Device Read Block"
	case 0x041a:
		return "Array Label Read"
	case 0x041c:
		return "Label Read Random"
	case 0x0601:
		return "Extend Unit Read"
	case 0x0613:
		return "Memory Read"
	case 0x0619:
		return "Self Test"
	case 0x0801:
		return "Device Monitor Entry"
	case 0x0802:
		return "Device Monitor Execute"
	case 0x0808:
		return "File Lock"
	case 0x0e28:
		return "Device Identification Get"
	case 0x0e29:
		return "Node Data Monitoring"
	case 0x0e30:
		return "Node Search"
	case 0x0e31:
		return "IP Address Set"
	case 0x0e32:
		return "Device Info Compare"
	case 0x0e33:
		return "Parameter Get"
	case 0x0e34:
		return "Parameter Set"
	case 0x0e35:
		return "Parameter Set Start"
	case 0x0e36:
		return "Parameter Set End"
	case 0x0e3a:
		return "Parameter Set Cancel"
	case 0x0e44:
		return "Node Status Read"
	case 0x0e45:
		return "Node Communication Setting Get"
	case 0x0e53:
		return "Node Status Read 2"
	case 0x0e70:
		return "CC-Link IE Field Basic Cyclic Data"
	case 0x0e90:
		return "Network Config"
	case 0x0e91:
		return "Master Config"
	case 0x0e92:
		return "Slave Config"
	case 0x0e93:
		return "Cyclic Config"
	case 0x0e94:
		return "Notification"
	case 0x0eb0:
		return "Backup Communication Get"
	case 0x0eb1:
		return "Backup Sub-ID List Get"
	case 0x0eb2:
		return "Backup Device Info Get"
	case 0x0eb3:
		return "Backup Start"
	case 0x0eb4:
		return "Backup End"
	case 0x0eb5:
		return "Backup Request"
	case 0x0eb6:
		return "Backup Parameter Get"
	case 0x0eb7:
		return "Restore Check"
	case 0x0eb8:
		return "Restore Start"
	case 0x0eb9:
		return "Restore End"
	case 0x0eba:
		return "Restore Parameter Set"
	case 0x0ebe:
		return "Slave Parameter Check Delivery"
	case 0x1001:
		return "Remote RUN"
	case 0x1002:
		return "Remote STOP"
	case 0x1003:
		return "Remote PAUSE"
	case 0x1005:
		return "Remote Latch Clear"
	case 0x1006:
		return "Remote RESET"
	case 0x1202:
		return "File New"
	case 0x1203:
		return "File Write"
	case 0x1204:
		return "File Info Change"
	case 0x1205:
		return "File Delete"
	case 0x1206:
		return "File Copy"
	case 0x1207:
		return "Drive Defrag"
	case cmdDeviceWrite:
		return "Device Write"
	case cmdDeviceWriteRandom:
		return "Device Write Random"
	case cmdDeviceWriteBlock:
		return "Device Write Block"
	case 0x141a:
		return "Array Label Write"
	case 0x141b:
		return "Label Write Random"
	case 0x1601:
		return "Extend Unit Write"
	case 0x1613:
		return "Memory Write"
	case 0x1617:
		return "Clear Error"
	case 0x1619:
		return "Clear Error History"
	case 0x161a:
		return "Event History Clear"
	case 0x1630:
		return "Remote Password Unlock"
	case 0x1631:
		return "Remote Password Lock"
	case 0x1810:
		return "Directory Read"
	case 0x1811:
		return "Directory Search"
	case 0x1820:
		return "File New (Type B)"
	case 0x1822:
		return "File Delete (Type B)"
	case 0x1824:
		return "File Copy (Type B)"
	case 0x1825:
		return "File Change State"
	case 0x1826:
		return "File Change Date"
	case 0x1827:
		return "File Open"
	case 0x182a:
		return "File Close"
	case 0x2101:
		return "On-Demand"
	case 0x3040:
		return "CC-Link IE Field Communication Test"
	case 0x3050:
		return "CC-Link IE Field Cable Test"
	case 0x3060:
		return "Event History Count Get"
	case 0x3061:
		return "Event History Get"
	case 0x3062:
		return "Clock Offset Send"
	case 0x3070:
		return "Remote Control"
	case 0x3072:
		return "Communication Speed"
	case 0x3119:
		return "CC-Link IE Field Node Info Get"
	case 0x3206:
		return "Cyclic Own Stop"
	case 0x3207:
		return "Cyclic Own Start"
	case 0x3208:
		return "Cyclic Other Stop"
	case 0x3209:
		return "Cyclic Other Start"
	case 0x320a:
		return "Link Device Parameter Write"
	case 0x320b:
		return "Link Device Parameter Check Request"
	case 0x320c:
		return "Link Device Parameter Check Response"
	case 0x320d:
		return "Reserved Station Release"
	case 0x320e:
		return "Reserved Station Config"
	case 0x3210:
		return "Watchdog Counter Set"
	case 0x3211:
		return "Watchdog Counter Offset Config"
	case 0x3230:
		return "Node Info Accept"
	case 0x4020:
		return "CANopen Object Access"
	case 0xa445:
		return "Data Collection"
	}
	return ""
}

// deviceName names a device code (binary; the 2-byte iQ-R codes have the
// same values). "" when unknown.
func deviceName(code uint16) string {
	switch code {
	case 0x91:
		return "SM"
	case 0xa9:
		return "SD"
	case 0x9c:
		return "X"
	case 0x9d:
		return "Y"
	case 0x90:
		return "M"
	case 0x92:
		return "L"
	case 0x93:
		return "F"
	case 0x94:
		return "V"
	case 0xa0:
		return "B"
	case 0xa8:
		return "D"
	case 0xb4:
		return "W"
	case 0xc1:
		return "TS"
	case 0xc0:
		return "TC"
	case 0xc2:
		return "TN"
	case 0xc7:
		return "SS"
	case 0xc6:
		return "SC"
	case 0xc8:
		return "SN"
	case 0xc4:
		return "CS"
	case 0xc3:
		return "CC"
	case 0xc5:
		return "CN"
	case 0xa1:
		return "SB"
	case 0xb5:
		return "SW"
	case 0xa2:
		return "DX"
	case 0xa3:
		return "DY"
	case 0xaf:
		return "R"
	case 0xb0:
		return "ZR"
	case 0xcc:
		return "Z"
	case 0x51:
		return "LTS"
	case 0x50:
		return "LTC"
	case 0x52:
		return "LTN"
	case 0x59:
		return "LSTS"
	case 0x58:
		return "LSTC"
	case 0x5a:
		return "LSTN"
	case 0x55:
		return "LCS"
	case 0x54:
		return "LCC"
	case 0x56:
		return "LCN"
	case 0x62:
		return "LZ"
	case 0x2c:
		return "RD"
	}
	return ""
}

// asciiDevice maps the 2-character device field of ASCII frames ("D*",
// "SD") to its name, and says whether its number is hexadecimal.
func asciiDevice(f []byte) (name string, hex bool) {
	switch string(f) {
	case "X*":
		return "X", true
	case "Y*":
		return "Y", true
	case "B*":
		return "B", true
	case "W*":
		return "W", true
	case "SB":
		return "SB", true
	case "SW":
		return "SW", true
	case "DX":
		return "DX", true
	case "DY":
		return "DY", true
	case "M*":
		return "M", false
	case "L*":
		return "L", false
	case "F*":
		return "F", false
	case "V*":
		return "V", false
	case "D*":
		return "D", false
	case "R*":
		return "R", false
	case "ZR":
		return "ZR", false
	case "SM":
		return "SM", false
	case "SD":
		return "SD", false
	case "TS":
		return "TS", false
	case "TC":
		return "TC", false
	case "TN":
		return "TN", false
	case "SS":
		return "SS", false
	case "SC":
		return "SC", false
	case "SN":
		return "SN", false
	case "CS":
		return "CS", false
	case "CC":
		return "CC", false
	case "CN":
		return "CN", false
	case "Z*":
		return "Z", false
	}
	return "", false
}
