package profinet

// Frame IDs (IEC 61158-6-10 §4.2, as Wireshark's packet-pn-rt.c names
// them). The first two bytes after the EtherType say what the frame is.
const (
	frameRTSyncFU      = 0x0020 // PTCP RTSync PDU with follow-up (and 0x0021)
	frameRTSync        = 0x0080 // PTCP RTSync PDU (and 0x0081)
	frameClass3First   = 0x0100 // cyclic RT_CLASS_3 (isochronous) data
	frameClass2First   = 0x8000 // cyclic RT_CLASS_2 data
	frameClass1First   = 0xC000 // cyclic RT_CLASS_1 data
	frameClassUDPFirst = 0xF800 // cyclic RT_CLASS_UDP data
	frameAlarmHigh     = 0xFC01
	frameAlarmLow      = 0xFE01
	frameDCPHello      = 0xFEFC
	frameDCPGetSet     = 0xFEFD
	frameDCPIdentReq   = 0xFEFE
	frameDCPIdentResp  = 0xFEFF
	frameAnnounce      = 0xFF00 // PTCP Announce (and 0xFF01)
	frameFollowUp      = 0xFF20 // PTCP FollowUp (and 0xFF21)
	frameDelayReq      = 0xFF40
	frameDelayResFU    = 0xFF41 // Delay response with follow-up
	frameDelayFU       = 0xFF42
	frameDelayRes      = 0xFF43 // Delay response without follow-up
)

// RTCode returns the event code of an RT frame ID: cyclic data is counted
// per RT class under the first frame ID of the class's range, every other
// frame under its own ID.
func RTCode(frameID uint16) uint32 {
	switch {
	case frameID >= frameClass3First && frameID < frameClass2First:
		return frameClass3First
	case frameID >= frameClass2First && frameID < frameClass1First:
		return frameClass2First
	case frameID >= frameClass1First && frameID < frameClassUDPFirst:
		return frameClass1First
	case frameID >= frameClassUDPFirst && frameID < 0xFC00:
		return frameClassUDPFirst
	}
	return uint32(frameID)
}

// isCyclic reports whether a frame ID carries cyclic IO data.
func isCyclic(frameID uint16) bool { return frameID >= frameClass3First && frameID < 0xFC00 }

// rtName names an RT event code (RTCode); "" when it is not known.
func rtName(code uint32) string {
	switch code {
	case frameClass3First:
		return "Cyclic Data RT_CLASS_3"
	case frameClass2First:
		return "Cyclic Data RT_CLASS_2"
	case frameClass1First:
		return "Cyclic Data RT_CLASS_1"
	case frameClassUDPFirst:
		return "Cyclic Data RT_CLASS_UDP"
	case frameAlarmHigh:
		return "Alarm High"
	case frameAlarmLow:
		return "Alarm Low"
	case frameRTSyncFU, frameRTSyncFU + 1:
		return "PTCP RTSync with Follow-Up"
	case frameRTSync, frameRTSync + 1:
		return "PTCP RTSync"
	case frameAnnounce, frameAnnounce + 1:
		return "PTCP Announce"
	case frameFollowUp, frameFollowUp + 1:
		return "PTCP Follow-Up"
	case frameDelayReq:
		return "PTCP Delay Request"
	case frameDelayResFU:
		return "PTCP Delay Response with Follow-Up"
	case frameDelayFU:
		return "PTCP Delay Follow-Up"
	case frameDelayRes:
		return "PTCP Delay Response"
	}
	return ""
}

// isDCP reports whether a frame ID carries DCP.
func isDCP(frameID uint16) bool { return frameID >= frameDCPHello && frameID <= frameDCPIdentResp }

// DCP service IDs (IEC 61158-6-10, Wireshark packet-pn-dcp.c).
const (
	serviceGet      = 3
	serviceSet      = 4
	serviceIdentify = 5
	serviceHello    = 6
)

// serviceName names a DCP service ID; "" when it is not known.
func serviceName(id uint8) string {
	switch id {
	case serviceGet:
		return "Get"
	case serviceSet:
		return "Set"
	case serviceIdentify:
		return "Identify"
	case serviceHello:
		return "Hello"
	}
	return ""
}

// DCP options and suboptions (option<<8 | suboption) that the dissector
// reads.
const (
	optIPParameter      = 0x0102
	optDeviceVendor     = 0x0201
	optNameOfStation    = 0x0202
	optDeviceID         = 0x0203
	optDeviceRole       = 0x0204
	optControlResponse  = 0x0504
	optAll              = 0xFFFF
	optionControl       = 0x05
	blockResponseLength = 3 // option, suboption, block error
)

// optionName names a DCP option and suboption (option<<8 | suboption) for
// the `option` detail; "" when it is not known (the detail is then the
// number).
func optionName(opt uint16) string {
	switch opt {
	case 0x0101:
		return "ip.mac_address"
	case optIPParameter:
		return "ip.ip_parameter"
	case 0x0103:
		return "ip.full_ip_suite"
	case optDeviceVendor:
		return "device.vendor"
	case optNameOfStation:
		return "device.name_of_station"
	case optDeviceID:
		return "device.device_id"
	case optDeviceRole:
		return "device.device_role"
	case 0x0205:
		return "device.device_options"
	case 0x0206:
		return "device.alias_name"
	case 0x0207:
		return "device.device_instance"
	case 0x0208:
		return "device.oem_device_id"
	case 0x0209:
		return "device.standard_gateway"
	case 0x020A:
		return "device.rsi_properties"
	case 0x030C:
		return "dhcp.host_name"
	case 0x032B:
		return "dhcp.vendor_specific"
	case 0x0336:
		return "dhcp.server_identifier"
	case 0x0337:
		return "dhcp.parameter_request_list"
	case 0x033C:
		return "dhcp.class_identifier"
	case 0x033D:
		return "dhcp.client_identifier"
	case 0x0351:
		return "dhcp.fqdn"
	case 0x0361:
		return "dhcp.uuid_client_identifier"
	case 0x03FF:
		return "dhcp.control"
	case 0x0501:
		return "control.start"
	case 0x0502:
		return "control.stop"
	case 0x0503:
		return "control.signal"
	case optControlResponse:
		return "control.response"
	case 0x0505:
		return "control.factory_reset"
	case 0x0506:
		return "control.reset_to_factory"
	case 0x0601:
		return "device_initiative"
	case 0x0701:
		return "nme_domain.name"
	case 0x0702:
		return "nme_domain.prio"
	case 0x0703:
		return "nme_domain.parameter_uuid"
	case 0x0704:
		return "nme_domain.name_of_domain"
	case 0x0705:
		return "nme_domain.cim_interface"
	case optAll:
		return "all"
	}
	return ""
}

// RTA PDU types (low nibble of PDU-Type in an alarm frame).
const (
	rtaData = 1
	rtaNack = 2
	rtaAck  = 3
	rtaErr  = 4
)

func rtaName(t uint8) string {
	switch t {
	case rtaData:
		return "data"
	case rtaNack:
		return "nack"
	case rtaAck:
		return "ack"
	case rtaErr:
		return "err"
	}
	return ""
}

// alarmTypeName names an AlarmType of an alarm notification.
func alarmTypeName(t uint16) string {
	switch t {
	case 0x0001:
		return "diagnosis"
	case 0x0002:
		return "process"
	case 0x0003:
		return "pull"
	case 0x0004:
		return "plug"
	case 0x0005:
		return "status"
	case 0x0006:
		return "update"
	case 0x0007:
		return "redundancy"
	case 0x0008:
		return "controlled_by_supervisor"
	case 0x0009:
		return "released"
	case 0x000A:
		return "plug_wrong_submodule"
	case 0x000B:
		return "return_of_submodule"
	case 0x000C:
		return "diagnosis_disappears"
	case 0x000D:
		return "multicast_communication_mismatch"
	case 0x000E:
		return "port_data_change"
	case 0x000F:
		return "sync_data_changed"
	case 0x0010:
		return "isochronous_mode_problem"
	case 0x0011:
		return "network_component_problem"
	case 0x0012:
		return "time_data_changed"
	case 0x0013:
		return "dynamic_frame_packing_problem"
	case 0x0014:
		return "mrpd_problem"
	case 0x0016:
		return "upload_and_retrieval"
	case 0x001E:
		return "pull_module"
	}
	return ""
}

// Vendors of PROFINET vendor IDs, as identities name them.
var (
	siemens        = []byte("Siemens")
	phoenixContact = []byte("Phoenix Contact")
)

// vendor names the PROFINET vendor IDs whose owner is certain, for the
// identity; other devices keep only their vendor ID as a detail.
func vendor(id uint16) []byte {
	switch id {
	case 0x002A:
		return siemens
	case 0x00B0:
		return phoenixContact
	}
	return nil
}
