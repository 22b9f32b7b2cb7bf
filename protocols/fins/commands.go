package fins

// Command codes (MRC, SRC): Omron W227 and W421, as tabulated in the
// project's OT protocol reference §2.5.4.
const (
	cmdMemoryAreaRead     = 0x0101
	cmdMemoryAreaWrite    = 0x0102
	cmdMemoryAreaFill     = 0x0103
	cmdMultipleMemoryRead = 0x0104
	cmdMemoryAreaTransfer = 0x0105
	cmdControllerDataRead = 0x0501
)

// commandName names a command code; "" when it is not known.
func commandName(cmd uint16) string {
	switch cmd {
	case cmdMemoryAreaRead:
		return "Memory Area Read"
	case cmdMemoryAreaWrite:
		return "Memory Area Write"
	case cmdMemoryAreaFill:
		return "Memory Area Fill"
	case cmdMultipleMemoryRead:
		return "Multiple Memory Area Read"
	case cmdMemoryAreaTransfer:
		return "Memory Area Transfer"
	case 0x0110:
		return "Composite Registration Read"
	case 0x0111:
		return "Register Composite Read"
	case 0x0201:
		return "Parameter Area Read"
	case 0x0202:
		return "Parameter Area Write"
	case 0x0203:
		return "Parameter Area Clear"
	case 0x0220:
		return "Data Link Table Read"
	case 0x0221:
		return "Data Link Table Write"
	case 0x0304:
		return "Program Area Protect"
	case 0x0305:
		return "Program Area Protect Clear"
	case 0x0306:
		return "Program Area Read"
	case 0x0307:
		return "Program Area Write"
	case 0x0308:
		return "Program Area Clear"
	case 0x0401:
		return "RUN"
	case 0x0402:
		return "STOP"
	case 0x0403:
		return "RESET"
	case cmdControllerDataRead:
		return "Controller Data Read"
	case 0x0502:
		return "Connection Data Read"
	case 0x0601:
		return "Controller Status Read"
	case 0x0602:
		return "Network Status Read"
	case 0x0603:
		return "Data Link Status Read"
	case 0x0620:
		return "Cycle Time Read"
	case 0x0701:
		return "Clock Read"
	case 0x0702:
		return "Clock Write"
	case 0x0801:
		return "Loopback Test"
	case 0x0802:
		return "Broadcast Test Results Read"
	case 0x0803:
		return "Broadcast Test Data Send"
	case 0x0920:
		return "Message Read/Clear, FAL/FALS Read"
	case 0x0c01:
		return "Access Right Acquire"
	case 0x0c02:
		return "Access Right Forced Acquire"
	case 0x0c03:
		return "Access Right Release"
	case 0x2101:
		return "Error Clear"
	case 0x2102:
		return "Error Log Read"
	case 0x2103:
		return "Error Log Clear"
	case 0x2140:
		return "FINS Write Access Log Read"
	case 0x2141:
		return "FINS Write Access Log Clear"
	case 0x2201:
		return "File Name Read"
	case 0x2202:
		return "Single File Read"
	case 0x2203:
		return "Single File Write"
	case 0x2204:
		return "Memory Card Format"
	case 0x2205:
		return "File Delete"
	case 0x2206:
		return "Volume Label Create/Delete"
	case 0x2207:
		return "File Copy"
	case 0x2208:
		return "File Name Change"
	case 0x2209:
		return "File Data Check"
	case 0x220a:
		return "Memory Area File Transfer"
	case 0x220b:
		return "Parameter Area File Transfer"
	case 0x220c:
		return "Program Area File Transfer"
	case 0x220f:
		return "File Memory Index Read"
	case 0x2210:
		return "File Memory Read"
	case 0x2211:
		return "File Memory Write"
	case 0x2215:
		return "Create/Delete Directory"
	case 0x2220:
		return "Memory Cassette Transfer"
	case 0x2301:
		return "Forced Set/Reset"
	case 0x2302:
		return "Forced Set/Reset Cancel"
	case 0x230a:
		return "Multiple Forced Status Read"
	case 0x2601:
		return "Name Set"
	case 0x2602:
		return "Name Delete"
	case 0x2603:
		return "Name Read"
	case 0x2701:
		return "UDP Open Request"
	case 0x2702:
		return "UDP Receive Request"
	case 0x2703:
		return "UDP Send Request"
	case 0x2704:
		return "UDP Close Request"
	case 0x2720:
		return "Ping"
	case 0x2750:
		return "IP Address Table Write"
	case 0x2757:
		return "IP Address Write"
	case 0x2760:
		return "IP Address Table Read"
	case 0x2761:
		return "IP Router Table Read"
	case 0x2762:
		return "Protocol Status Read"
	case 0x2763:
		return "Memory Status Read"
	case 0x2764:
		return "Socket Status Read"
	case 0x2765:
		return "Address Information Read"
	case 0x2767:
		return "IP Address Read"
	case 0x2801:
		return "Explicit Message Send"
	case 0x2803:
		return "Convert to CompoWay/F"
	case 0x2804:
		return "Convert to Modbus-RTU"
	case 0x2805:
		return "Convert to Modbus-ASCII"
	case 0x2810:
		return "CIP UCMM Message Send"
	}
	return ""
}

// FINS/TCP header commands (W421 §7-4). They frame the connection rather
// than ask the PLC anything; their events use codes above the 16-bit FINS
// command space so the two never mix.
const (
	tcpNodeAddressClient = 0 // client to server: the client's node address
	tcpNodeAddressServer = 1 // server to client: both node addresses
	tcpFrameSend         = 2 // a FINS frame follows
	tcpFrameSendError    = 3 // the server could not deliver a frame
	tcpConnectionConfirm = 6

	// TCPCodeBase is added to a FINS/TCP header command to form its code.
	TCPCodeBase = 0x10000
)

func tcpCommandName(cmd uint32) string {
	switch cmd {
	case tcpNodeAddressClient:
		return "FINS/TCP Node Address Data Send (Client)"
	case tcpNodeAddressServer:
		return "FINS/TCP Node Address Data Send (Server)"
	case tcpFrameSendError:
		return "FINS/TCP Frame Send Error Notification"
	case tcpConnectionConfirm:
		return "FINS/TCP Connection Confirmation"
	}
	return ""
}
