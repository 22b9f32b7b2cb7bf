package bacnet

// Code space. BACnet numbers its services per APDU type and its network
// and link layer messages separately, so one event code combines the
// layer with the number (see README.md):
//
//	0x000-0x0FF  confirmed service n (request, its ACK, Error, and the
//	             Reject or Abort that answers it)
//	0x100-0x1FF  unconfirmed service 0x100+n
//	0x200-0x2FF  network layer message 0x200+type
//	0x300-0x3FF  BVLC function without an NPDU, 0x300+function
//	0x400-0x40F  APDU without a service, 0x400+type: Segment-ACK, and
//	             Reject or Abort whose request was not seen
const (
	unconfirmedBase = 0x100
	networkBase     = 0x200
	bvlcBase        = 0x300
	apduBase        = 0x400
)

// Confirmed services (ASHRAE 135 §21, BACnetConfirmedServiceChoice) the
// dissector reads details from.
const (
	svcSubscribeCOV          = 5
	svcAtomicReadFile        = 6
	svcAtomicWriteFile       = 7
	svcCreateObject          = 10
	svcDeleteObject          = 11
	svcReadProperty          = 12
	svcReadPropertyMultiple  = 14
	svcWriteProperty         = 15
	svcWritePropertyMultiple = 16
	svcDeviceCommControl     = 17
	svcReinitializeDevice    = 20
)

// confirmedName names a confirmed service choice, as the standard (and
// tshark) spells it; "" when it is not known.
func confirmedName(s uint8) string {
	switch s {
	case 0:
		return "acknowledgeAlarm"
	case 1:
		return "confirmedCOVNotification"
	case 2:
		return "confirmedEventNotification"
	case 3:
		return "getAlarmSummary"
	case 4:
		return "getEnrollmentSummary"
	case svcSubscribeCOV:
		return "subscribeCOV"
	case svcAtomicReadFile:
		return "atomicReadFile"
	case svcAtomicWriteFile:
		return "atomicWriteFile"
	case 8:
		return "addListElement"
	case 9:
		return "removeListElement"
	case svcCreateObject:
		return "createObject"
	case svcDeleteObject:
		return "deleteObject"
	case svcReadProperty:
		return "readProperty"
	case 13:
		return "readPropertyConditional"
	case svcReadPropertyMultiple:
		return "readPropertyMultiple"
	case svcWriteProperty:
		return "writeProperty"
	case svcWritePropertyMultiple:
		return "writePropertyMultiple"
	case svcDeviceCommControl:
		return "deviceCommunicationControl"
	case 18:
		return "confirmedPrivateTransfer"
	case 19:
		return "confirmedTextMessage"
	case svcReinitializeDevice:
		return "reinitializeDevice"
	case 21:
		return "vtOpen"
	case 22:
		return "vtClose"
	case 23:
		return "vtData"
	case 24:
		return "authenticate"
	case 25:
		return "requestKey"
	case 26:
		return "readRange"
	case 27:
		return "lifeSafetyOperation"
	case 28:
		return "subscribeCOVProperty"
	case 29:
		return "getEventInformation"
	case 30:
		return "subscribeCOVPropertyMultiple"
	case 31:
		return "confirmedCOVNotificationMultiple"
	case 32:
		return "confirmedAuditNotification"
	case 33:
		return "auditLogQuery"
	}
	return ""
}

// Unconfirmed services (BACnetUnconfirmedServiceChoice) the dissector
// reads details from.
const (
	svcIAm   = 0
	svcWhoIs = 8
)

// unconfirmedName names an unconfirmed service choice; "" when unknown.
func unconfirmedName(s uint8) string {
	switch s {
	case svcIAm:
		return "i-Am"
	case 1:
		return "i-Have"
	case 2:
		return "unconfirmedCOVNotification"
	case 3:
		return "unconfirmedEventNotification"
	case 4:
		return "unconfirmedPrivateTransfer"
	case 5:
		return "unconfirmedTextMessage"
	case 6:
		return "timeSynchronization"
	case 7:
		return "who-Has"
	case svcWhoIs:
		return "who-Is"
	case 9:
		return "utcTimeSynchronization"
	case 10:
		return "writeGroup"
	case 11:
		return "unconfirmedCOVNotificationMultiple"
	case 12:
		return "unconfirmedAuditNotification"
	case 13:
		return "who-Am-I"
	case 14:
		return "you-Are"
	}
	return ""
}

// Network layer message types (§6.2.4).
const netRejectMessageToNetwork = 0x03

// networkName names a network layer message type; "" when unknown
// (0x80-0xFF are proprietary).
func networkName(t uint8) string {
	switch t {
	case 0x00:
		return "Who-Is-Router-To-Network"
	case 0x01:
		return "I-Am-Router-To-Network"
	case 0x02:
		return "I-Could-Be-Router-To-Network"
	case netRejectMessageToNetwork:
		return "Reject-Message-To-Network"
	case 0x04:
		return "Router-Busy-To-Network"
	case 0x05:
		return "Router-Available-To-Network"
	case 0x06:
		return "Initialize-Routing-Table"
	case 0x07:
		return "Initialize-Routing-Table-Ack"
	case 0x08:
		return "Establish-Connection-To-Network"
	case 0x09:
		return "Disconnect-Connection-To-Network"
	case 0x0a:
		return "Challenge-Request"
	case 0x0b:
		return "Security-Payload"
	case 0x0c:
		return "Security-Response"
	case 0x0d:
		return "Request-Key-Update"
	case 0x0e:
		return "Update-Key-Set"
	case 0x0f:
		return "Update-Distribution-Key"
	case 0x10:
		return "Request-Master-Key"
	case 0x11:
		return "Set-Master-Key"
	case 0x12:
		return "What-Is-Network-Number"
	case 0x13:
		return "Network-Number-Is"
	}
	return ""
}

// BVLC functions (Annex J.2).
const (
	bvlcResult                 = 0x00
	bvlcWriteBDT               = 0x01
	bvlcReadBDT                = 0x02
	bvlcReadBDTAck             = 0x03
	bvlcForwardedNPDU          = 0x04
	bvlcRegisterFD             = 0x05
	bvlcReadFDT                = 0x06
	bvlcReadFDTAck             = 0x07
	bvlcDeleteFDTEntry         = 0x08
	bvlcDistributeBroadcast    = 0x09
	bvlcOriginalUnicast        = 0x0a
	bvlcOriginalBroadcast      = 0x0b
	bvlcSecureBVLL             = 0x0c
	bvlcMaxFunction            = bvlcSecureBVLL
	bvlcForwardedAddressLength = 6
)

// bvlcName names a BVLC function; "" when unknown.
func bvlcName(f uint8) string {
	switch f {
	case bvlcResult:
		return "BVLC-Result"
	case bvlcWriteBDT:
		return "Write-Broadcast-Distribution-Table"
	case bvlcReadBDT:
		return "Read-Broadcast-Distribution-Table"
	case bvlcReadBDTAck:
		return "Read-Broadcast-Distribution-Table-Ack"
	case bvlcForwardedNPDU:
		return "Forwarded-NPDU"
	case bvlcRegisterFD:
		return "Register-Foreign-Device"
	case bvlcReadFDT:
		return "Read-Foreign-Device-Table"
	case bvlcReadFDTAck:
		return "Read-Foreign-Device-Table-Ack"
	case bvlcDeleteFDTEntry:
		return "Delete-Foreign-Device-Table-Entry"
	case bvlcDistributeBroadcast:
		return "Distribute-Broadcast-To-Network"
	case bvlcOriginalUnicast:
		return "Original-Unicast-NPDU"
	case bvlcOriginalBroadcast:
		return "Original-Broadcast-NPDU"
	case bvlcSecureBVLL:
		return "Secure-BVLL"
	}
	return ""
}

// APDU types (§20.1), the high nibble of the APDU's first byte.
const (
	pduConfirmed   = 0
	pduUnconfirmed = 1
	pduSimpleACK   = 2
	pduComplexACK  = 3
	pduSegmentACK  = 4
	pduError       = 5
	pduReject      = 6
	pduAbort       = 7
)

// apduName names the APDU types reported without a service.
func apduName(t uint8) string {
	switch t {
	case pduSegmentACK:
		return "Segment-ACK"
	case pduReject:
		return "Reject"
	case pduAbort:
		return "Abort"
	}
	return ""
}
