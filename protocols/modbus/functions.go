package modbus

// Function codes (Modbus Application Protocol Specification V1.1b3, §5-6,
// and the vendor codes seen on plant networks).
const (
	fcReadCoils            = 1
	fcReadDiscreteInputs   = 2
	fcReadHoldingRegisters = 3
	fcReadInputRegisters   = 4
	fcWriteSingleCoil      = 5
	fcWriteSingleRegister  = 6
	fcDiagnostics          = 8
	fcWriteMultipleCoils   = 15
	fcWriteMultipleRegs    = 16
	fcMaskWriteRegister    = 22
	fcReadWriteMultiple    = 23
	fcReadFIFOQueue        = 24
	fcEncapsulated         = 43
	fcUMAS                 = 90

	exceptionBit = 0x80
)

// functionName names a function code; "" when the code is not defined.
func functionName(fc uint8) string {
	switch fc {
	case fcReadCoils:
		return "Read Coils"
	case fcReadDiscreteInputs:
		return "Read Discrete Inputs"
	case fcReadHoldingRegisters:
		return "Read Holding Registers"
	case fcReadInputRegisters:
		return "Read Input Registers"
	case fcWriteSingleCoil:
		return "Write Single Coil"
	case fcWriteSingleRegister:
		return "Write Single Register"
	case 7:
		return "Read Exception Status"
	case fcDiagnostics:
		return "Diagnostics"
	case 11:
		return "Get Comm Event Counter"
	case 12:
		return "Get Comm Event Log"
	case fcWriteMultipleCoils:
		return "Write Multiple Coils"
	case fcWriteMultipleRegs:
		return "Write Multiple Registers"
	case 17:
		return "Report Server ID"
	case 20:
		return "Read File Record"
	case 21:
		return "Write File Record"
	case fcMaskWriteRegister:
		return "Mask Write Register"
	case fcReadWriteMultiple:
		return "Read/Write Multiple Registers"
	case fcReadFIFOQueue:
		return "Read FIFO Queue"
	case fcEncapsulated:
		return "Encapsulated Interface Transport"
	case fcUMAS:
		return "Schneider UMAS"
	case 125, 126:
		return "Modicon Programming"
	}
	return ""
}

// knownFunction reports the codes the heuristic accepts: the public
// functions and Schneider's UMAS. User-defined codes (65-72, 100-110) are
// dissected on port 502 but do not make another port Modbus.
func knownFunction(fc uint8) bool {
	switch fc {
	case 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24, 43, 90:
		return true
	}
	return false
}

// meiDeviceIdentity is function 43's MEI type for Read Device
// Identification.
const meiDeviceIdentity = 14

// Read Device Identification object ids (§6.21).
const (
	objVendorName          = 0x00
	objProductCode         = 0x01
	objMajorMinorRevision  = 0x02
	objProductName         = 0x04
	objModelName           = 0x05
	objUserApplicationName = 0x06
)

// UMAS response status bytes.
const (
	umasOK    = 0xfe
	umasError = 0xfd
)
