package dnp3

import "mimamori/protocols"

// Application layer function codes (IEEE 1815-2012 §4.2.2.5, Table 4-3),
// as tabulated in the project's OT protocol reference.
const (
	fcConfirm          = 0
	fcRead             = 1
	fcWrite            = 2
	fcImmediateFreeze  = 7
	fcFreezeAtTimeNR   = 12
	fcEnableUnsol      = 20
	fcDisableUnsol     = 21
	fcAssignClass      = 22
	fcResponse         = 129
	fcUnsolicited      = 130
	fcAuthResponse     = 131
	maxRequestFunction = 33
)

// functionName names an application function code; "" when it is not
// known.
func functionName(fc uint8) string {
	switch fc {
	case 0:
		return "Confirm"
	case 1:
		return "Read"
	case 2:
		return "Write"
	case 3:
		return "Select"
	case 4:
		return "Operate"
	case 5:
		return "Direct Operate"
	case 6:
		return "Direct Operate No Ack"
	case 7:
		return "Immediate Freeze"
	case 8:
		return "Immediate Freeze No Ack"
	case 9:
		return "Freeze Clear"
	case 10:
		return "Freeze Clear No Ack"
	case 11:
		return "Freeze At Time"
	case 12:
		return "Freeze At Time No Ack"
	case 13:
		return "Cold Restart"
	case 14:
		return "Warm Restart"
	case 15:
		return "Initialize Data"
	case 16:
		return "Initialize Application"
	case 17:
		return "Start Application"
	case 18:
		return "Stop Application"
	case 19:
		return "Save Configuration"
	case 20:
		return "Enable Unsolicited"
	case 21:
		return "Disable Unsolicited"
	case 22:
		return "Assign Class"
	case 23:
		return "Delay Measure"
	case 24:
		return "Record Current Time"
	case 25:
		return "Open File"
	case 26:
		return "Close File"
	case 27:
		return "Delete File"
	case 28:
		return "Get File Info"
	case 29:
		return "Authenticate File"
	case 30:
		return "Abort File"
	case 31:
		return "Activate Config"
	case 32:
		return "Authentication Request"
	case 33:
		return "Authentication Request No Ack"
	case 129:
		return "Response"
	case 130:
		return "Unsolicited Response"
	case 131:
		return "Authentication Response"
	}
	return ""
}

// functionKind says which way an application function goes: the master's
// requests, the outstation's responses, and unsolicited responses, which
// the outstation sends on its own.
func functionKind(fc uint8) protocols.Kind {
	switch {
	case fc <= maxRequestFunction:
		return protocols.KindRequest
	case fc == fcResponse, fc == fcAuthResponse:
		return protocols.KindResponse
	case fc == fcUnsolicited:
		return protocols.KindOther
	}
	return protocols.KindAuto
}

// Link layer function codes (IEEE 1815-2012 §9.2.4.1.3): the control
// byte's PRM bit and function code, reported as LinkCodeBase + (control &
// 0x4F) so that they never collide with application function codes.
const (
	// LinkCodeBase is added to the link control byte's PRM bit and
	// function code to number link-only frames.
	LinkCodeBase = 0x100
	// SegmentCode numbers a transport segment that continues an
	// application fragment: its application header was in the first
	// segment.
	SegmentCode = 0x200

	linkPRM             = 0x40
	linkFuncMask        = 0x0f
	linkConfirmedData   = 3
	linkUnconfirmedData = 4
)

// linkFunctionName names a link function, ctrl & 0x4F; "" when unknown.
func linkFunctionName(f uint8) string {
	switch f {
	case linkPRM | 0:
		return "Reset Link States"
	case linkPRM | 1:
		return "Reset User Process"
	case linkPRM | 2:
		return "Test Link States"
	case linkPRM | linkConfirmedData:
		return "Confirmed User Data"
	case linkPRM | linkUnconfirmedData:
		return "Unconfirmed User Data"
	case linkPRM | 9:
		return "Request Link Status"
	case 0:
		return "Link ACK"
	case 1:
		return "Link NACK"
	case 11:
		return "Link Status"
	case 14:
		return "Link Service Not Functioning"
	case 15:
		return "Link Service Not Used"
	}
	return ""
}

// linkError reports link functions that say the link failed.
func linkError(f uint8) bool { return f == 1 || f == 14 || f == 15 }

// Internal indications (IEEE 1815-2012 §4.2.2.7.2), the two bytes after a
// response's function code, as one number: IIN1 in the high byte.
const (
	iinDeviceRestart    = 0x8000
	iinDeviceTrouble    = 0x4000
	iinNoFuncSupport    = 0x0001
	iinObjectUnknown    = 0x0002
	iinParameterError   = 0x0004
	iinEventOverflow    = 0x0008
	iinAlreadyExecuting = 0x0010
	iinConfigCorrupt    = 0x0020

	// iinErrors are the indications that the request failed.
	iinErrors = iinNoFuncSupport | iinObjectUnknown | iinParameterError
	// iinNotable are the indications worth a detail: the errors, and what
	// says the device restarted, is in trouble or lost data.
	iinNotable = iinDeviceRestart | iinDeviceTrouble | iinErrors | iinEventOverflow | iinAlreadyExecuting | iinConfigCorrupt
)
