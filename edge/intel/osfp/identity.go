package osfp

import "strings"

// softwareProtocols report the identity of a software product (an OPC UA
// server's build info), not the firmware of the device it runs on.
var softwareProtocols = map[string]bool{"opcua": true}

// identityEvidence turns an industrial identity record (Modbus device
// identification, S7 SZL, CIP identity, FINS controller data, SLMP type
// name, BACnet device object) into firmware evidence: the controller
// stating what it runs.
func identityEvidence(id Identity) (Evidence, bool) {
	product := firstNonEmpty(id.Model, id.Product)
	if id.Vendor == "" && product == "" {
		return Evidence{}, false
	}
	detail := strings.TrimSpace(strings.Join(nonEmpty(id.Protocol+":", id.Vendor, id.Product, id.Model, id.Firmware), " "))
	x := Evidence{Source: SourceIdentity, Detail: detail, Confidence: ConfCertain}
	if softwareProtocols[id.Protocol] {
		return x, true // shown as evidence, names no OS
	}
	name := strings.Join(nonEmpty(id.Vendor, product), " ")
	name += " firmware"
	if id.Firmware != "" {
		name += " " + id.Firmware
	}
	x.OS = OS{FamilyEmbedded, name}
	return x, true
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" && s != ":" {
			out = append(out, s)
		}
	}
	return out
}

// industrialVendors make controllers, I/O, drives and panels; a device of
// theirs without other evidence most likely runs their firmware.
// networkVendors make switches and routers.
var (
	industrialVendors = []string{
		"Siemens", "Mitsubishi Electric", "Omron", "Rockwell Automation", "Allen-Bradley", "Schneider",
		"Telemecanique", "WAGO", "Phoenix Contact", "Beckhoff", "Yokogawa", "Keyence", "Fuji Electric",
		"Panasonic Industrial", "Host Engineering", "Koyo", "Emerson", "ABB", "B&R", "Bernecker",
		"Pilz", "Festo", "Turck", "Balluff", "Pro-face", "Digital Electronics", "Hilscher",
		"Yaskawa", "Delta Electronics", "Moxa", "Red Lion", "Opto 22", "GE Fanuc", "Honeywell",
		"JTEKT", "Toyopuc", "IDEC", "Hitachi Industrial", "Contec", "Anybus", "HMS Industrial",
	}
	networkVendors = []string{
		"Cisco", "Juniper", "Hirschmann", "Allied Telesis", "Aruba", "Hewlett Packard Enterprise",
		"Extreme Networks", "Fortinet", "Palo Alto", "MikroTik", "Ubiquiti", "Yamaha", "NEC Platforms",
		"D-Link", "Netgear", "TP-Link", "Ruckus", "Brocade", "Arista",
	}
)

// vendorEvidence is the weakest hint: what the maker of the network
// interface usually ships.
func vendorEvidence(vendor string) (Evidence, bool) {
	if vendor == "" {
		return Evidence{}, false
	}
	lv := strings.ToLower(vendor)
	for _, v := range industrialVendors {
		if strings.Contains(lv, strings.ToLower(v)) {
			return Evidence{Source: SourceVendor, OS: OS{FamilyEmbedded, vendor + " firmware"},
				Confidence: ConfHint, Detail: vendor}, true
		}
	}
	for _, v := range networkVendors {
		if strings.Contains(lv, strings.ToLower(v)) {
			return Evidence{Source: SourceVendor, OS: OS{FamilyNetwork, vendor + " network OS"},
				Confidence: ConfHint, Detail: vendor}, true
		}
	}
	return Evidence{}, false
}

// IndustrialVendor reports whether a MAC vendor makes automation devices.
func IndustrialVendor(vendor string) bool {
	_, ok := vendorEvidence(vendor)
	return ok && !NetworkVendor(vendor)
}

// NetworkVendor reports whether a MAC vendor makes network equipment.
func NetworkVendor(vendor string) bool {
	lv := strings.ToLower(vendor)
	for _, v := range networkVendors {
		if strings.Contains(lv, strings.ToLower(v)) {
			return true
		}
	}
	return false
}
