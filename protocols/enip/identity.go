package enip

import (
	"encoding/binary"
	"strconv"

	"mimamori/protocols"
)

// listIdentity reads a ListIdentity reply: an item count, then items of
// type 0x0C holding the encapsulation protocol version (2), a socket
// address (16, big-endian), the Identity object's attributes and a state
// byte. A device answers with one item, about itself.
func listIdentity(m *protocols.Message, body []byte) {
	if len(body) < 2 {
		return
	}
	n, list := int(binary.LittleEndian.Uint16(body)), body[2:]
	for i := 0; i < n && len(list) >= 4; i++ {
		typ, l := binary.LittleEndian.Uint16(list), int(binary.LittleEndian.Uint16(list[2:4]))
		if 4+l > len(list) {
			return
		}
		if typ == itemListIdentity && l >= 18 {
			identityObject(m, list[4+18:4+l])
			return
		}
		list = list[4+l:]
	}
}

// identityObject reads the Identity object's attributes 1-7 as
// Get_Attributes_All and ListIdentity return them: vendor id (2), device
// type (2), product code (2), revision major and minor (1 each), status
// (2), serial number (4), product name (a short string: length, then the
// characters).
func identityObject(m *protocols.Message, b []byte) {
	if len(b) < 15 {
		return
	}
	vendor := binary.LittleEndian.Uint16(b)
	devType := binary.LittleEndian.Uint16(b[2:])
	product := binary.LittleEndian.Uint16(b[4:])
	major, minor := b[6], b[7]
	serial := binary.LittleEndian.Uint32(b[10:])
	id := m.Identify()
	if name, ok := vendors[vendor]; ok {
		id.Vendor = name
	} else {
		id.Vendor = strconv.AppendUint(id.Text(5), uint64(vendor), 10)
	}
	if l := int(b[14]); 15+l <= len(b) {
		id.Product = b[15 : 15+l]
	}
	fw := strconv.AppendUint(id.Text(7), uint64(major), 10)
	fw = append(fw, '.')
	id.Firmware = strconv.AppendUint(fw, uint64(minor), 10)
	id.Serial = appendHex32(id.Text(10), serial)
	id.Add("vendor_id", protocols.Uint(uint64(vendor)))
	if name := deviceTypeName(devType); name != "" {
		id.Add("device_type", protocols.Text(name))
	} else {
		id.Add("device_type", protocols.Hex(uint64(devType), 2))
	}
	id.Add("product_code", protocols.Uint(uint64(product)))
}

// appendHex32 appends v as 0x and eight hex digits, the way Rockwell's
// tools show serial numbers.
func appendHex32(b []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	b = append(b, '0', 'x')
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, digits[v>>uint(shift)&0xf])
	}
	return b
}
