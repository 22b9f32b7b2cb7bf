package s7comm

// Event codes. S7comm jobs and their acknowledgements are numbered by the
// function code of their parameter (one byte, as Wireshark's
// s7comm.param.func). The other messages get codes outside that byte so
// that every code names one thing:
//
//   - 0x0200 | function: an Ack (ROSCTR 2), the data-less reply a PLC
//     sends when it refuses a job; the function is the job's, found by
//     its PDU reference (0x0200 alone when the job was not seen).
//   - 0x7000 | group<<8 | subfunction: a Userdata message (ROSCTR 7) of a
//     function group and subfunction (0x7401 CPU functions / Read SZL).
//   - 0x10000 | TPDU code: a COTP connection message (0x100E0 Connection
//     Request, 0x100D0 Connection Confirm, 0x10080 Disconnect Request).
//
// S7comm-plus messages carry a 16-bit function code (0x04CA
// CreateObject); notifications and keep-alives, which carry none, are
// 0x20033 and 0x200FE.
const (
	AckBase      = 0x0200
	UserdataBase = 0x7000
	COTPBase     = 0x10000

	PlusNotification = 0x20033
	PlusKeepAlive    = 0x200FE
)

// Job functions (parameter byte 0), named as Wireshark's s7comm
// dissector names them.
const (
	funcCPUServices     = 0x00
	funcReadVar         = 0x04
	funcWriteVar        = 0x05
	funcRequestDownload = 0x1a
	funcDownloadBlock   = 0x1b
	funcDownloadEnded   = 0x1c
	funcStartUpload     = 0x1d
	funcUpload          = 0x1e
	funcEndUpload       = 0x1f
	funcPIService       = 0x28
	funcPLCStop         = 0x29
	funcSetupComm       = 0xf0
)

// functionName names a job function; "" when it is not known.
func functionName(f uint8) string {
	switch f {
	case funcCPUServices:
		return "CPU services"
	case funcReadVar:
		return "Read Var"
	case funcWriteVar:
		return "Write Var"
	case funcRequestDownload:
		return "Request download"
	case funcDownloadBlock:
		return "Download block"
	case funcDownloadEnded:
		return "Download ended"
	case funcStartUpload:
		return "Start upload"
	case funcUpload:
		return "Upload"
	case funcEndUpload:
		return "End upload"
	case funcPIService:
		return "PI-Service"
	case funcPLCStop:
		return "PLC Stop"
	case funcSetupComm:
		return "Setup communication"
	}
	return ""
}

// ackName names the Ack of a job function: a constant per function, as
// event names must be.
func ackName(f uint8) string {
	switch f {
	case funcCPUServices:
		return "Ack: CPU services"
	case funcReadVar:
		return "Ack: Read Var"
	case funcWriteVar:
		return "Ack: Write Var"
	case funcRequestDownload:
		return "Ack: Request download"
	case funcDownloadBlock:
		return "Ack: Download block"
	case funcDownloadEnded:
		return "Ack: Download ended"
	case funcStartUpload:
		return "Ack: Start upload"
	case funcUpload:
		return "Ack: Upload"
	case funcEndUpload:
		return "Ack: End upload"
	case funcPIService:
		return "Ack: PI-Service"
	case funcPLCStop:
		return "Ack: PLC Stop"
	case funcSetupComm:
		return "Ack: Setup communication"
	}
	return ""
}

// Userdata function groups.
const (
	groupModeTransition = 0x0
	groupProgrammer     = 0x1
	groupCyclic         = 0x2
	groupBlock          = 0x3
	groupCPU            = 0x4
	groupSecurity       = 0x5
	groupPBC            = 0x6
	groupTime           = 0x7
	groupNC             = 0xf
)

// Userdata subfunctions that carry details.
const (
	subReadSZL          = 0x01 // CPU functions
	subListBlocksOfType = 0x02 // block functions
	subGetBlockInfo     = 0x03 // block functions
)

// userdataName names a Userdata subfunction of a function group; "" when
// it is not known. The names are Wireshark's (tshark 4.0).
func userdataName(group, sub uint8) string {
	switch group {
	case groupModeTransition:
		switch sub {
		case 0x00:
			return "STOP"
		case 0x01:
			return "Warm Restart"
		case 0x02:
			return "RUN"
		case 0x03:
			return "Hot Restart"
		case 0x04:
			return "HOLD"
		case 0x06:
			return "Cold Restart"
		case 0x09:
			return "RUN_R (H-System redundant)"
		case 0x0b:
			return "LINK-UP"
		case 0x0c:
			return "UPDATE"
		}
	case groupProgrammer:
		switch sub {
		case 0x01:
			return "Block status"
		case 0x02:
			return "Variable status"
		case 0x03:
			return "Output ISTACK"
		case 0x04:
			return "Output BSTACK"
		case 0x05:
			return "Output LSTACK"
		case 0x06:
			return "Time measurement from to"
		case 0x07:
			return "Force selection"
		case 0x08:
			return "Modify variable"
		case 0x09:
			return "Force"
		case 0x0a:
			return "Breakpoint"
		case 0x0b:
			return "Exit HOLD"
		case 0x0c:
			return "Memory reset"
		case 0x0d:
			return "Disable job"
		case 0x0e:
			return "Enable job"
		case 0x0f:
			return "Delete job"
		case 0x10:
			return "Read job list"
		case 0x11:
			return "Read job"
		case 0x12:
			return "Replace job"
		case 0x13:
			return "Block status v2"
		case 0x16:
			return "Flash LED"
		}
	case groupCyclic:
		switch sub {
		case 0x01:
			return "Cyclic transfer"
		case 0x04:
			return "Unsubscribe"
		case 0x05:
			return "Change driven transfer"
		case 0x07:
			return "Change driven transfer modify"
		case 0x08:
			return "RDREC"
		}
	case groupBlock:
		switch sub {
		case 0x01:
			return "List blocks"
		case subListBlocksOfType:
			return "List blocks of type"
		case subGetBlockInfo:
			return "Get block info"
		}
	case groupCPU:
		switch sub {
		case subReadSZL:
			return "Read SZL"
		case 0x02:
			return "Message service"
		case 0x03:
			return "Diagnostic message"
		case 0x05:
			return "ALARM_8 indication"
		case 0x06:
			return "NOTIFY indication"
		case 0x07:
			return "ALARM_8 lock"
		case 0x08:
			return "ALARM_8 unlock"
		case 0x09:
			return "SCAN indication"
		case 0x0b:
			return "ALARM ack"
		case 0x0c:
			return "ALARM ack indication"
		case 0x0d:
			return "ALARM lock indication"
		case 0x0e:
			return "ALARM unlock indication"
		case 0x11:
			return "ALARM_SQ indication"
		case 0x12:
			return "ALARM_S indication"
		case 0x13:
			return "ALARM query"
		case 0x16:
			return "NOTIFY_8 indication"
		}
	case groupSecurity:
		if sub == 0x01 {
			return "PLC password"
		}
	case groupTime:
		switch sub {
		case 0x01:
			return "Read clock"
		case 0x02, 0x04:
			return "Set clock"
		case 0x03:
			return "Read clock (following)"
		}
	case groupNC:
		switch sub {
		case 0x01:
			return "NC Request download"
		case 0x02:
			return "NC Download block"
		case 0x03:
			return "NC Continue download"
		case 0x04:
			return "NC Download ended"
		case 0x06:
			return "NC Start upload"
		case 0x07:
			return "NC Upload"
		case 0x08:
			return "NC Continue upload"
		}
	}
	return ""
}

// COTP TPDU codes (ISO 8073, the high nibble of the TPDU type byte).
const (
	tpduCR = 0xe0 // connection request
	tpduCC = 0xd0 // connection confirm
	tpduDR = 0x80 // disconnect request
	tpduDC = 0xc0 // disconnect confirm
	tpduER = 0x70 // TPDU error
	tpduDT = 0xf0 // data
)

// cotpName names the COTP messages reported as events.
func cotpName(t uint8) string {
	switch t {
	case tpduCR:
		return "COTP Connection Request"
	case tpduCC:
		return "COTP Connection Confirm"
	case tpduDR:
		return "COTP Disconnect Request"
	case tpduDC:
		return "COTP Disconnect Confirm"
	case tpduER:
		return "COTP TPDU Error"
	}
	return ""
}

// S7comm-plus opcodes.
const (
	plusRequest      = 0x31
	plusResponse     = 0x32
	plusNotification = 0x33
	plusResponse2    = 0x02
)

// S7comm-plus function codes.
const (
	plusCreateObject      = 0x04ca
	plusDeleteObject      = 0x04d4
	plusSetVariable       = 0x04f2
	plusGetVariable       = 0x04fc
	plusSetMultiVariables = 0x0542
)

// plusFunctionName names an S7comm-plus function; "" when it is not known.
// The names are those of Wireshark's s7comm_plus plugin.
func plusFunctionName(f uint16) string {
	switch f {
	case 0x04bb:
		return "Explore"
	case plusCreateObject:
		return "CreateObject"
	case plusDeleteObject:
		return "DeleteObject"
	case plusSetVariable:
		return "SetVariable"
	case plusGetVariable:
		return "GetVariable"
	case 0x0506:
		return "AddLink"
	case 0x051a:
		return "RemoveLink"
	case 0x0524:
		return "GetLink"
	case plusSetMultiVariables:
		return "SetMultiVariables"
	case 0x054c:
		return "GetMultiVariables"
	case 0x0556:
		return "BeginSequence"
	case 0x0560:
		return "EndSequence"
	case 0x056b:
		return "Invoke"
	case 0x057c:
		return "SetVarSubStreamed"
	case 0x0586:
		return "GetVarSubStreamed"
	case 0x0590:
		return "GetVariablesAddress"
	case 0x059a:
		return "Abort"
	case 0x05a9:
		return "Error"
	case 0x05b3:
		return "InitSsl"
	}
	return ""
}

// piServiceName returns the PI service name in b as the table's constant,
// "" when it is not one of them. The services are those of S7-300/400
// CPUs and of SINUMERIK NC programs (the _N_ ones).
func piServiceName(b []byte) string {
	for _, s := range piServices {
		if string(b) == s {
			return s
		}
	}
	return ""
}

var piServices = [...]string{
	"_INSE",     // activate (insert) a downloaded block
	"_INS2",     // activate a block
	"_DELE",     // delete a block
	"P_PROGRAM", // PLC start / stop
	"_MODU",     // copy RAM to ROM
	"_GARB",     // compress PLC memory
	"_N_LOGIN_",
	"_N_LOGOUT",
	"_N_CANCEL",
	"_N_DASAVE",
	"_N_DIGIOF",
	"_N_DIGION",
	"_N_DZERO_",
	"_N_ENDEXT",
	"_N_F_OPER",
	"_N_OST_OF",
	"_N_OST_ON",
	"_N_SCALE_",
	"_N_SETUFR",
	"_N_STRTLK",
	"_N_STRTUL",
	"_N_TMRASS",
	"_N_F_DELE",
	"_N_EXTMOD",
	"_N_F_DELR",
	"_N_F_XFER",
	"_N_LOCKE_",
	"_N_SELECT",
	"_N_SRTEXT",
	"_N_F_CLOS",
	"_N_F_OPEN",
	"_N_F_SEEK",
	"_N_ASUP__",
	"_N_CHEKDM",
	"_N_CHKDNO",
	"_N_CONFIG",
	"_N_CRCEDN",
	"_N_DELECE",
	"_N_CREACE",
	"_N_CREATO",
	"_N_DELETO",
	"_N_CRTOCE",
	"_N_DELVAR",
	"_N_F_COPY",
	"_N_F_DMDA",
	"_N_F_PROR",
	"_N_F_PROT",
	"_N_F_RENA",
	"_N_FINDBL",
	"_N_IBN_SS",
	"_N_MMCSEM",
	"_N_NCKMOD",
	"_N_NEWPWD",
	"_N_SEL_BL",
	"_N_SETTST",
	"_N_TMAWCO",
	"_N_TMCRTC",
	"_N_TMCRTO",
	"_N_TMFDPL",
	"_N_TMFPBP",
	"_N_TMGETT",
	"_N_TMMVTL",
	"_N_TMPCIT",
	"_N_TMPOSM",
	"_N_TRESMO",
	"_N_TSEARC",
}

// Block types in block file names ("_0A00001P": type 0A, number 1,
// passive file system) and block function requests.
func blockTypeTag(t []byte) string {
	if len(t) != 2 || t[0] != '0' {
		return ""
	}
	switch t[1] {
	case '8':
		return "OB"
	case 'A':
		return "DB"
	case 'B':
		return "SDB"
	case 'C':
		return "FC"
	case 'D':
		return "SFC"
	case 'E':
		return "FB"
	case 'F':
		return "SFB"
	}
	return ""
}

// Memory areas of variable items.
const (
	areaDB       = 0x84
	areaDI       = 0x85
	areaCounter  = 0x1c
	areaTimer    = 0x1d
	areaIECCount = 0x1e
	areaIECTimer = 0x1f
)

// areaTag names a memory area as STEP 7 writes its addresses; "" for
// areas reported by code.
func areaTag(a uint8) string {
	switch a {
	case 0x03:
		return "SYSINFO"
	case 0x05:
		return "SYSFLAGS"
	case 0x06:
		return "AI"
	case 0x07:
		return "AQ"
	case 0x80:
		return "P"
	case 0x81:
		return "I"
	case 0x82:
		return "Q"
	case 0x83:
		return "M"
	case areaDI:
		return "DI"
	case 0x86:
		return "L"
	case 0x87:
		return "V"
	case areaCounter:
		return "C"
	case areaTimer:
		return "T"
	case areaIECCount:
		return "IEC-C"
	case areaIECTimer:
		return "IEC-T"
	}
	return ""
}

// Transport sizes of variable items and their element sizes in bytes.
const tsBit = 0x01

func elementSize(ts uint8) uint32 {
	switch ts {
	case 0x04, 0x05, 0x09, 0x0c, 0x1c, 0x1d, 0x1f: // WORD INT DATE S5TIME COUNTER TIMER IEC-COUNTER
		return 2
	case 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x1e, 0x20: // DWORD DINT REAL TOD TIME IEC-TIMER HS-COUNTER
		return 4
	case 0x0f: // DATE_AND_TIME
		return 8
	}
	return 1 // BIT (counted apart), BYTE, CHAR and the unknown
}
