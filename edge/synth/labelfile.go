package synth

import (
	"encoding/json"
	"io"
	"time"
)

// LabelSchema identifies the layout of a LabelFile; docs/SIMULATOR.md
// describes it.
const LabelSchema = "mimamori.synth.labels/v1"

// LabelFile is the JSON document written next to a generated capture: how
// it was made, what it contains, the ground truth of every host, and every
// injected attack.
type LabelFile struct {
	Schema    string        `json:"schema"`
	Generator GeneratorInfo `json:"generator"`
	Plant     *PlantInfo    `json:"plant,omitempty"`
	Capture   CaptureInfo   `json:"capture"`
	Hosts     []HostLabel   `json:"hosts"`
	Attacks   []Label       `json:"attacks"`
}

// GeneratorInfo is what reproduces the capture.
type GeneratorInfo struct {
	Seed  int64     `json:"seed"`
	Start time.Time `json:"start"` // the plant's origin: hosts boot from here
	// Warmup is how long the plant ran before the first frame written.
	Warmup   string    `json:"warmup,omitempty"`
	End      time.Time `json:"end"` // the last frame
	Factory  string    `json:"factory"`
	Loopback bool      `json:"loopback"`
	Untagged bool      `json:"untagged"`
}

// PlantInfo is the plant description and what Build planned from it.
type PlantInfo struct {
	Devices     int         `json:"devices"`
	ConnsPerMin int         `json:"conns_per_min"`
	OTShare     float64     `json:"ot_share,omitempty"`
	BitsPerSec  float64     `json:"bits_per_sec,omitempty"`
	MeanFrame   float64     `json:"mean_frame,omitempty"`
	Flat        bool        `json:"flat_schedule"`
	Report      PlantReport `json:"planned"`
}

// CaptureInfo describes the written capture, measured on its frames.
type CaptureInfo struct {
	File         string  `json:"file,omitempty"`
	Format       string  `json:"format,omitempty"`
	Interface    string  `json:"interface,omitempty"` // live transmission
	Packets      int64   `json:"packets"`
	Bytes        int64   `json:"bytes"`
	FramesPerSec float64 `json:"frames_per_sec"`
	BitsPerSec   float64 `json:"bits_per_sec"`
	MeanFrame    float64 `json:"mean_frame"`
	OTShare      float64 `json:"ot_share"`
	ConnsPerMin  float64 `json:"conns_per_min"`
}

// HostLabel is one host's ground truth.
type HostLabel struct {
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Vendor   string `json:"vendor"`
	Model    string `json:"model"`
	OS       string `json:"os"`
	MAC      string `json:"mac"`
	IP       string `json:"ip,omitempty"`
	VLAN     uint16 `json:"vlan,omitempty"`
	Subnet   string `json:"subnet"`
	Cell     int    `json:"cell,omitempty"`
	DHCP     bool   `json:"dhcp,omitempty"`
	Injected bool   `json:"injected,omitempty"`
}

// NewLabelFile fills in the generator's part of a label file: hosts and
// attacks as they stand now (call it after the capture is written).
func NewLabelFile(g *Generator, stats TrafficStats) *LabelFile {
	lf := &LabelFile{
		Schema: LabelSchema,
		Generator: GeneratorInfo{
			Seed: g.cfg.Seed, Start: g.Start().In(plantZone()), Factory: g.fac.Name,
			Loopback: g.cfg.Loopback, Untagged: g.cfg.Untagged,
		},
		Capture: CaptureInfo{
			Packets: stats.Frames, Bytes: stats.Bytes,
			FramesPerSec: stats.FramesPerSec(), BitsPerSec: stats.BitsPerSec(),
			MeanFrame: stats.MeanFrame(), OTShare: stats.OTShare(), ConnsPerMin: stats.ConnsPerMin(),
		},
		Attacks: g.Labels(),
	}
	if stats.Frames > 0 {
		lf.Generator.End = time.Unix(0, stats.Last).In(plantZone())
	}
	if g.cfg.Skip > 0 {
		lf.Generator.Warmup = g.cfg.Skip.String()
	}
	for _, h := range g.Hosts() {
		hl := HostLabel{Name: h.Name, Role: h.Role, Vendor: h.Vendor, Model: h.Model, OS: h.OS,
			MAC: h.MAC.String(), VLAN: h.VLAN, Subnet: h.Subnet, Cell: h.Cell, DHCP: h.DHCP, Injected: h.Injected}
		if !h.NoIP {
			hl.IP = g.byName[h.Name].ipString()
		}
		lf.Hosts = append(lf.Hosts, hl)
	}
	return lf
}

func (h *host) ipString() string { return addrOf(h.ip).String() }

// Write writes the file as indented JSON.
func (lf *LabelFile) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(lf)
}

// ReadLabelFile parses a label file.
func ReadLabelFile(r io.Reader) (*LabelFile, error) {
	var lf LabelFile
	if err := json.NewDecoder(r).Decode(&lf); err != nil {
		return nil, err
	}
	return &lf, nil
}
