package analyze

import (
	"io"
	"net"
	"time"

	"mimamori/edge/intel"
	"mimamori/edge/wire/wirepb"
)

// Device records carry the inference of edge/intel (docs/INVENTORY.md):
// vendor, OS with its evidence, support status, role with its reasons and
// importance. They describe the device as everything up to the end of
// the record's minute shows it, the way the portal would after that
// minute: a device's last record holds the capture's final verdict.

// osEvidenceRecord is one piece of OS evidence.
type osEvidenceRecord struct {
	Source     string `json:"source"`
	OS         string `json:"os"`
	OSFamily   string `json:"os_family"`
	Confidence int    `json:"confidence"`
	Detail     string `json:"detail"`
}

// deviceIntel holds the inferred fields of a device record.
type deviceIntel struct {
	MACKind      string
	Vendor       string
	Hostname     string
	OS           string
	OSFamily     string
	OSConfidence int
	OSEvidence   []osEvidenceRecord
	EOL          bool
	EOLState     string
	EOLEnd       string
	Role         string
	RoleReasons  []string
	Importance   float64
}

// inventory is what device records read their inferred fields from.
type inventory struct {
	inv *intel.Inventory
}

// intelFor returns the inferred fields of the device with this MAC.
func (v inventory) intelFor(mac []byte) deviceIntel {
	out := deviceIntel{MACKind: intel.MACGlobal, OSEvidence: []osEvidenceRecord{}, RoleReasons: []string{},
		EOLState: "unknown", Role: string(intel.RoleUnknown)}
	if v.inv == nil || len(mac) != 6 {
		return out
	}
	d, ok := v.inv.Device(net.HardwareAddr(mac).String())
	if !ok {
		return out
	}
	out.MACKind, out.Vendor, out.Hostname = d.MACKind, d.Vendor, d.Hostname
	out.OS, out.OSFamily, out.OSConfidence = d.OS.Name, d.OS.Family, d.OS.Confidence
	for _, e := range d.OS.Evidence {
		out.OSEvidence = append(out.OSEvidence, osEvidenceRecord{Source: e.Source, OS: e.OS.Name,
			OSFamily: e.OS.Family, Confidence: e.Confidence, Detail: e.Detail})
	}
	out.EOL, out.EOLState = d.EOL.Vulnerable(), string(d.EOL.State)
	var end time.Time
	for _, p := range d.EOL.Products {
		if p.End.After(end) {
			end = p.End
		}
	}
	if !end.IsZero() && out.EOL {
		out.EOLEnd = end.Format(time.DateOnly)
	}
	out.Role = string(d.Role)
	for _, r := range d.RoleReasons {
		out.RoleReasons = append(out.RoleReasons, r.English())
	}
	out.Importance = d.Importance
	return out
}

// inventoryWriter keeps the inventory of one capture up to date minute by
// minute and writes each batch with it.
type inventoryWriter struct {
	engine *intel.Engine
	acc    *intel.Accumulator
}

func newInventoryWriter(e *intel.Engine) *inventoryWriter {
	return &inventoryWriter{engine: e, acc: intel.NewAccumulator()}
}

// write adds b to the capture's observations and writes it. Support
// status is judged at the end of b's minute, so the output depends on
// the capture alone.
func (iw *inventoryWriter) write(w io.Writer, b *wirepb.Batch) error {
	iw.acc.Add(b)
	at := time.Unix(b.Minute, 0).UTC().Add(time.Minute)
	return writeBatch(w, b, inventory{iw.engine.Build(iw.acc.Observations(), nil, at)})
}
