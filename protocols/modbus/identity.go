package modbus

import "mimamori/protocols"

// deviceIdentification reads a Read Device Identification response (MEI
// type 14) after the MEI type byte: read device id code, conformity level,
// more follows, next object id, number of objects, then each object as id,
// length and value. The basic objects name vendor, product code and
// revision; the regular ones product, model and application names.
func deviceIdentification(m *protocols.Message, d []byte) {
	if len(d) < 5 {
		return
	}
	n := int(d[4])
	d = d[5:]
	id := m.Identify()
	var productCode []byte
	for i := 0; i < n && len(d) >= 2; i++ {
		obj, l := d[0], int(d[1])
		if len(d) < 2+l {
			break
		}
		v := d[2 : 2+l]
		d = d[2+l:]
		switch obj {
		case objVendorName:
			id.Vendor = v
		case objProductCode:
			productCode = v
		case objMajorMinorRevision:
			id.Firmware = v
		case objProductName:
			id.Product = v
		case objModelName:
			id.Model = v
		case objUserApplicationName:
			id.Name = v
		}
	}
	// The product code is the model designation of devices that send only
	// the basic objects.
	if len(id.Model) == 0 {
		id.Model = productCode
	}
}
