package bacnet

// objectTypeName names a BACnetObjectType (ASHRAE 135 §21); "" when it
// is not known (128-1023 are proprietary).
func objectTypeName(t uint16) string {
	if int(t) < len(objectTypes) {
		return objectTypes[t]
	}
	return ""
}

var objectTypes = [...]string{
	"analog-input", "analog-output", "analog-value", "binary-input",
	"binary-output", "binary-value", "calendar", "command", "device",
	"event-enrollment", "file", "group", "loop", "multi-state-input",
	"multi-state-output", "notification-class", "program", "schedule",
	"averaging", "multi-state-value", "trend-log", "life-safety-point",
	"life-safety-zone", "accumulator", "pulse-converter", "event-log",
	"global-group", "trend-log-multiple", "load-control",
	"structured-view", "access-door", "timer", "access-credential",
	"access-point", "access-rights", "access-user", "access-zone",
	"credential-data-input", "network-security", "bitstring-value",
	"characterstring-value", "date-pattern-value", "date-value",
	"datetime-pattern-value", "datetime-value", "integer-value",
	"large-analog-value", "octetstring-value", "positive-integer-value",
	"time-pattern-value", "time-value", "notification-forwarder",
	"alert-enrollment", "channel", "lighting-output",
	"binary-lighting-output", "network-port", "elevator-group",
	"escalator", "lift", "staging", "audit-log", "audit-reporter",
	"color", "color-temperature",
}

const objectDevice = 8

// Device object properties (BACnetPropertyIdentifier) that describe the
// device.
const (
	propApplicationSoftwareVersion = 12
	propFirmwareRevision           = 44
	propModelName                  = 70
	propObjectName                 = 77
	propVendorName                 = 121
)

// propertyName names the properties most often read and written; others
// are reported by number.
func propertyName(p uint32) string {
	switch p {
	case 8:
		return "all"
	case propApplicationSoftwareVersion:
		return "application-software-version"
	case 28:
		return "description"
	case 36:
		return "event-state"
	case propFirmwareRevision:
		return "firmware-revision"
	case 58:
		return "location"
	case 62:
		return "max-apdu-length-accepted"
	case propModelName:
		return "model-name"
	case 75:
		return "object-identifier"
	case 76:
		return "object-list"
	case propObjectName:
		return "object-name"
	case 79:
		return "object-type"
	case 80:
		return "optional"
	case 81:
		return "out-of-service"
	case 85:
		return "present-value"
	case 87:
		return "priority-array"
	case 98:
		return "protocol-version"
	case 104:
		return "relinquish-default"
	case 105:
		return "required"
	case 107:
		return "segmentation-supported"
	case 111:
		return "status-flags"
	case 112:
		return "system-status"
	case 117:
		return "units"
	case 120:
		return "vendor-identifier"
	case propVendorName:
		return "vendor-name"
	case 131:
		return "log-buffer"
	case 139:
		return "protocol-revision"
	}
	return ""
}

// errorClassName names a BACnet error class (§18).
func errorClassName(c uint32) string {
	switch c {
	case 0:
		return "device"
	case 1:
		return "object"
	case 2:
		return "property"
	case 3:
		return "resources"
	case 4:
		return "security"
	case 5:
		return "services"
	case 6:
		return "vt"
	case 7:
		return "communication"
	}
	return ""
}

// rejectReasonName names a BACnetRejectReason.
func rejectReasonName(r uint8) string {
	switch r {
	case 0:
		return "other"
	case 1:
		return "buffer-overflow"
	case 2:
		return "inconsistent-parameters"
	case 3:
		return "invalid-parameter-data-type"
	case 4:
		return "invalid-tag"
	case 5:
		return "missing-required-parameter"
	case 6:
		return "parameter-out-of-range"
	case 7:
		return "too-many-arguments"
	case 8:
		return "undefined-enumeration"
	case 9:
		return "unrecognized-service"
	}
	return ""
}

// abortReasonName names a BACnetAbortReason.
func abortReasonName(r uint8) string {
	switch r {
	case 0:
		return "other"
	case 1:
		return "buffer-overflow"
	case 2:
		return "invalid-apdu-in-this-state"
	case 3:
		return "preempted-by-higher-priority-task"
	case 4:
		return "segmentation-not-supported"
	case 5:
		return "security-error"
	case 6:
		return "insufficient-security"
	case 7:
		return "window-size-out-of-range"
	case 8:
		return "application-exceeded-reply-time"
	case 9:
		return "out-of-resources"
	case 10:
		return "tsm-timeout"
	case 11:
		return "apdu-too-long"
	}
	return ""
}

// reinitStateName names the reinitializedStateOfDevice of a
// ReinitializeDevice request.
func reinitStateName(s uint32) string {
	switch s {
	case 0:
		return "coldstart"
	case 1:
		return "warmstart"
	case 2:
		return "startbackup"
	case 3:
		return "endbackup"
	case 4:
		return "startrestore"
	case 5:
		return "endrestore"
	case 6:
		return "abortrestore"
	case 7:
		return "activate-changes"
	}
	return ""
}

// enableDisableName names the enable-disable argument of a
// DeviceCommunicationControl request.
func enableDisableName(s uint32) string {
	switch s {
	case 0:
		return "enable"
	case 1:
		return "disable"
	case 2:
		return "disable-initiation"
	}
	return ""
}
