package iec104

import "mimamori/protocols"

// ASDU type identifications (IEC 60870-5-101 §7.2.1.1 and -104 §8),
// as tabulated in the project's OT protocol reference.

// typeName names a type identification; "" when it is not known.
func typeName(t uint8) string {
	switch t {
	case 1:
		return "M_SP_NA_1"
	case 2:
		return "M_SP_TA_1"
	case 3:
		return "M_DP_NA_1"
	case 4:
		return "M_DP_TA_1"
	case 5:
		return "M_ST_NA_1"
	case 6:
		return "M_ST_TA_1"
	case 7:
		return "M_BO_NA_1"
	case 8:
		return "M_BO_TA_1"
	case 9:
		return "M_ME_NA_1"
	case 10:
		return "M_ME_TA_1"
	case 11:
		return "M_ME_NB_1"
	case 12:
		return "M_ME_TB_1"
	case 13:
		return "M_ME_NC_1"
	case 14:
		return "M_ME_TC_1"
	case 15:
		return "M_IT_NA_1"
	case 16:
		return "M_IT_TA_1"
	case 17:
		return "M_EP_TA_1"
	case 18:
		return "M_EP_TB_1"
	case 19:
		return "M_EP_TC_1"
	case 20:
		return "M_PS_NA_1"
	case 21:
		return "M_ME_ND_1"
	case 30:
		return "M_SP_TB_1"
	case 31:
		return "M_DP_TB_1"
	case 32:
		return "M_ST_TB_1"
	case 33:
		return "M_BO_TB_1"
	case 34:
		return "M_ME_TD_1"
	case 35:
		return "M_ME_TE_1"
	case 36:
		return "M_ME_TF_1"
	case 37:
		return "M_IT_TB_1"
	case 38:
		return "M_EP_TD_1"
	case 39:
		return "M_EP_TE_1"
	case 40:
		return "M_EP_TF_1"
	case 45:
		return "C_SC_NA_1"
	case 46:
		return "C_DC_NA_1"
	case 47:
		return "C_RC_NA_1"
	case 48:
		return "C_SE_NA_1"
	case 49:
		return "C_SE_NB_1"
	case 50:
		return "C_SE_NC_1"
	case 51:
		return "C_BO_NA_1"
	case 58:
		return "C_SC_TA_1"
	case 59:
		return "C_DC_TA_1"
	case 60:
		return "C_RC_TA_1"
	case 61:
		return "C_SE_TA_1"
	case 62:
		return "C_SE_TB_1"
	case 63:
		return "C_SE_TC_1"
	case 64:
		return "C_BO_TA_1"
	case 70:
		return "M_EI_NA_1"
	case 100:
		return "C_IC_NA_1"
	case 101:
		return "C_CI_NA_1"
	case 102:
		return "C_RD_NA_1"
	case 103:
		return "C_CS_NA_1"
	case 104:
		return "C_TS_NA_1"
	case 105:
		return "C_RP_NA_1"
	case 106:
		return "C_CD_NA_1"
	case 107:
		return "C_TS_TA_1"
	case 110:
		return "P_ME_NA_1"
	case 111:
		return "P_ME_NB_1"
	case 112:
		return "P_ME_NC_1"
	case 113:
		return "P_AC_NA_1"
	case 120:
		return "F_FR_NA_1"
	case 121:
		return "F_SR_NA_1"
	case 122:
		return "F_SC_NA_1"
	case 123:
		return "F_LS_NA_1"
	case 124:
		return "F_AF_NA_1"
	case 125:
		return "F_SG_NA_1"
	case 126:
		return "F_DR_TA_1"
	case 127:
		return "F_SC_NB_1"
	}
	return ""
}

// elementSize is the size in bytes of one information element of a
// type, after its information object address; -1 when it is not fixed
// or not known (file transfer).
func elementSize(t uint8) int {
	switch t {
	case 1:
		return 1
	case 2:
		return 4
	case 3:
		return 1
	case 4:
		return 4
	case 5:
		return 2
	case 6:
		return 5
	case 7:
		return 5
	case 8:
		return 8
	case 9:
		return 3
	case 10:
		return 6
	case 11:
		return 3
	case 12:
		return 6
	case 13:
		return 5
	case 14:
		return 8
	case 15:
		return 5
	case 16:
		return 8
	case 17:
		return 6
	case 18:
		return 7
	case 19:
		return 7
	case 20:
		return 5
	case 21:
		return 2
	case 30:
		return 8
	case 31:
		return 8
	case 32:
		return 9
	case 33:
		return 12
	case 34:
		return 10
	case 35:
		return 10
	case 36:
		return 12
	case 37:
		return 12
	case 38:
		return 10
	case 39:
		return 11
	case 40:
		return 11
	case 45:
		return 1
	case 46:
		return 1
	case 47:
		return 1
	case 48:
		return 3
	case 49:
		return 3
	case 50:
		return 5
	case 51:
		return 4
	case 58:
		return 8
	case 59:
		return 8
	case 60:
		return 8
	case 61:
		return 10
	case 62:
		return 10
	case 63:
		return 12
	case 64:
		return 11
	case 70:
		return 1
	case 100:
		return 1
	case 101:
		return 1
	case 102:
		return 0
	case 103:
		return 7
	case 104:
		return 2
	case 105:
		return 1
	case 106:
		return 2
	case 107:
		return 9
	case 110:
		return 3
	case 111:
		return 3
	case 112:
		return 5
	case 113:
		return 1
	}
	return -1
}

// Causes of transmission (IEC 60870-5-101 §7.2.3), the low six bits of
// the first COT octet.
const (
	cotPeriodic      = 1
	cotSpontaneous   = 3
	cotRequest       = 5
	cotActivation    = 6
	cotActCon        = 7
	cotDeactivation  = 8
	cotDeactCon      = 9
	cotActTerm       = 10
	cotInterrogated  = 20 // 20-36: station and group interrogation
	cotCounterLast   = 41 // 37-41: counter interrogation
	cotUnknownType   = 44 // 44-47: unknown type, cause, common address, IOA
	cotUnknownObject = 47
)

// causeKind says which way a cause of transmission goes: the controlling
// station's requests (activation, deactivation, read), the controlled
// station's confirmations, terminations and interrogation replies;
// spontaneous, cyclic and other data are neither.
func causeKind(cause uint8) protocols.Kind {
	switch {
	case cause == cotRequest, cause == cotActivation, cause == cotDeactivation:
		return protocols.KindRequest
	case cause == cotActCon, cause == cotDeactCon, cause == cotActTerm,
		cause >= cotInterrogated && cause <= cotCounterLast,
		cause >= cotUnknownType && cause <= cotUnknownObject:
		return protocols.KindResponse
	}
	return protocols.KindOther
}

// APCI formats and U-format functions (IEC 60870-5-104 §5). U-format and
// S-format APDUs are numbered above the 8-bit type identifications:
// 0x100 + the first control octet for U-format (0x107 STARTDT act),
// SCode for S-format.
const (
	// UCodeBase is added to a U-format APDU's first control octet.
	UCodeBase = 0x100
	// SCode numbers S-format APDUs (acknowledgements).
	SCode = 0x201

	uStartDTAct = 0x07
	uStartDTCon = 0x0b
	uStopDTAct  = 0x13
	uStopDTCon  = 0x23
	uTestFRAct  = 0x43
	uTestFRCon  = 0x83
)

// uName names a U-format function by its first control octet; "" when the
// octet does not set exactly one function bit.
func uName(c uint8) string {
	switch c {
	case uStartDTAct:
		return "STARTDT act"
	case uStartDTCon:
		return "STARTDT con"
	case uStopDTAct:
		return "STOPDT act"
	case uStopDTCon:
		return "STOPDT con"
	case uTestFRAct:
		return "TESTFR act"
	case uTestFRCon:
		return "TESTFR con"
	}
	return ""
}
