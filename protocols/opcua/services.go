package opcua

// Service codes are the numeric NodeIds (namespace 0) of the services'
// request encodings (OPC UA Part 6, DefaultBinary); a response is reported
// under its request's code. The transport messages that carry no
// readable service have codes made of their message type's ASCII
// letters (see README.md).
const (
	codeHello          = 0x48454c   // "HEL"
	codeAcknowledge    = 0x41434b   // "ACK"
	codeError          = 0x455252   // "ERR"
	codeReverseHello   = 0x524845   // "RHE"
	codeOPNEncrypted   = 0x4f504e   // "OPN"
	codeCLOEncrypted   = 0x434c4f   // "CLO"
	codeMSGEncrypted   = 0x4d5347   // "MSG"
	codeAbort          = 0x4d534741 // "MSGA"
	serviceFault       = 397
	openSecureChannel  = 446
	closeSecureChannel = 452
	getEndpoints       = 428
	createSession      = 461
	activateSession    = 467
	write              = 673
	call               = 712
)

// transportName names the transport message codes.
func transportName(code uint32) string {
	switch code {
	case codeHello:
		return "Hello"
	case codeAcknowledge:
		return "Acknowledge"
	case codeError:
		return "Error"
	case codeReverseHello:
		return "ReverseHello"
	case codeOPNEncrypted:
		return "OPN (encrypted)"
	case codeCLOEncrypted:
		return "CLO (encrypted)"
	case codeMSGEncrypted:
		return "MSG (encrypted)"
	case codeAbort:
		return "MSG (abort)"
	}
	return ""
}

// serviceName names a service by its request encoding id; "" when the id
// is not a known request.
func serviceName(id uint32) string {
	switch id {
	case serviceFault:
		return "ServiceFault"
	case 422:
		return "FindServers"
	case 12208:
		return "FindServersOnNetwork"
	case getEndpoints:
		return "GetEndpoints"
	case 437:
		return "RegisterServer"
	case 12211:
		return "RegisterServer2"
	case openSecureChannel:
		return "OpenSecureChannel"
	case closeSecureChannel:
		return "CloseSecureChannel"
	case createSession:
		return "CreateSession"
	case activateSession:
		return "ActivateSession"
	case 473:
		return "CloseSession"
	case 479:
		return "Cancel"
	case 488:
		return "AddNodes"
	case 494:
		return "AddReferences"
	case 500:
		return "DeleteNodes"
	case 506:
		return "DeleteReferences"
	case 527:
		return "Browse"
	case 533:
		return "BrowseNext"
	case 554:
		return "TranslateBrowsePathsToNodeIds"
	case 560:
		return "RegisterNodes"
	case 566:
		return "UnregisterNodes"
	case 615:
		return "QueryFirst"
	case 621:
		return "QueryNext"
	case 631:
		return "Read"
	case 664:
		return "HistoryRead"
	case write:
		return "Write"
	case 700:
		return "HistoryUpdate"
	case call:
		return "Call"
	case 751:
		return "CreateMonitoredItems"
	case 763:
		return "ModifyMonitoredItems"
	case 769:
		return "SetMonitoringMode"
	case 775:
		return "SetTriggering"
	case 781:
		return "DeleteMonitoredItems"
	case 787:
		return "CreateSubscription"
	case 793:
		return "ModifySubscription"
	case 799:
		return "SetPublishingMode"
	case 826:
		return "Publish"
	case 832:
		return "Republish"
	case 841:
		return "TransferSubscriptions"
	case 847:
		return "DeleteSubscriptions"
	}
	return ""
}

// requestOf maps a response encoding id to its request's: the response
// follows its request by 3 (by 1 for the services added with the
// discovery extensions). ok is false for ids that are not responses.
func requestOf(id uint32) (uint32, bool) {
	switch id {
	case 12209, 12212:
		return id - 1, true
	}
	if r := id - 3; id > 3 && r != serviceFault && serviceName(r) != "" {
		return r, true
	}
	return 0, false
}

// known reports a request, response or ServiceFault encoding id.
func known(id uint32) bool {
	_, ok := requestOf(id)
	return ok || serviceName(id) != ""
}

// securityPolicyName names the security policy of an OpenSecureChannel by
// the fragment of its URI (http://opcfoundation.org/UA/SecurityPolicy#…).
func securityPolicyName(uri []byte) string {
	const prefix = "http://opcfoundation.org/UA/SecurityPolicy#"
	if len(uri) <= len(prefix) || string(uri[:len(prefix)]) != prefix {
		return "other"
	}
	switch string(uri[len(prefix):]) {
	case "None":
		return "None"
	case "Basic128Rsa15":
		return "Basic128Rsa15"
	case "Basic256":
		return "Basic256"
	case "Basic256Sha256":
		return "Basic256Sha256"
	case "Aes128_Sha256_RsaOaep":
		return "Aes128_Sha256_RsaOaep"
	case "Aes256_Sha256_RsaPss":
		return "Aes256_Sha256_RsaPss"
	}
	return "other"
}

// securityModeName names a MessageSecurityMode.
func securityModeName(m uint32) string {
	switch m {
	case 0:
		return "Invalid"
	case 1:
		return "None"
	case 2:
		return "Sign"
	case 3:
		return "SignAndEncrypt"
	}
	return ""
}

// userTokenName names the user identity token of an ActivateSession by
// its encoding id.
func userTokenName(id uint32) string {
	switch id {
	case 321:
		return "anonymous"
	case 324:
		return "username"
	case 327:
		return "x509"
	case 940:
		return "issued"
	}
	return ""
}

// applicationTypeName names an ApplicationType.
func applicationTypeName(t uint32) string {
	switch t {
	case 0:
		return "server"
	case 1:
		return "client"
	case 2:
		return "client-and-server"
	case 3:
		return "discovery-server"
	}
	return ""
}
