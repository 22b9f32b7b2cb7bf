package ptp

import "mimamori/protocols"

// PTPv2 message types (IEEE 1588-2008 §13.3.2.2, table 19; the OT
// protocol reference §2.4.2).
const (
	msgSync               = 0x0
	msgDelayReq           = 0x1
	msgPdelayReq          = 0x2
	msgPdelayResp         = 0x3
	msgFollowUp           = 0x8
	msgDelayResp          = 0x9
	msgPdelayRespFollowUp = 0xa
	msgAnnounce           = 0xb
	msgSignaling          = 0xc
	msgManagement         = 0xd
)

// messageName names a PTPv2 message type; "" when it is not defined.
func messageName(t byte) string {
	switch t {
	case msgSync:
		return "Sync"
	case msgDelayReq:
		return "Delay_Req"
	case msgPdelayReq:
		return "Pdelay_Req"
	case msgPdelayResp:
		return "Pdelay_Resp"
	case msgFollowUp:
		return "Follow_Up"
	case msgDelayResp:
		return "Delay_Resp"
	case msgPdelayRespFollowUp:
		return "Pdelay_Resp_Follow_Up"
	case msgAnnounce:
		return "Announce"
	case msgSignaling:
		return "Signaling"
	case msgManagement:
		return "Management"
	}
	return ""
}

// messageKind says which messages ask and which answer: the delay
// requests and their responses (a Pdelay_Resp_Follow_Up completes its
// response). Sync, Follow_Up, Announce, Signaling and Management are
// neither.
func messageKind(t byte) protocols.Kind {
	switch t {
	case msgDelayReq, msgPdelayReq:
		return protocols.KindRequest
	case msgDelayResp, msgPdelayResp, msgPdelayRespFollowUp:
		return protocols.KindResponse
	}
	return protocols.KindOther
}

// PTPv1 control field values (IEEE 1588-2002 table 22). Version 1
// messages are reported with V1Base added to the control field, apart
// from version 2's message types.
const V1Base = 0x100

// v1Name names a PTPv1 control field; "" when it is not defined.
func v1Name(c byte) string {
	switch c {
	case 0:
		return "Sync (v1)"
	case 1:
		return "Delay_Req (v1)"
	case 2:
		return "Follow_Up (v1)"
	case 3:
		return "Delay_Resp (v1)"
	case 4:
		return "Management (v1)"
	}
	return ""
}

// v1Kind is messageKind for PTPv1's control field.
func v1Kind(c byte) protocols.Kind {
	switch c {
	case 1:
		return protocols.KindRequest
	case 3:
		return protocols.KindResponse
	}
	return protocols.KindOther
}
