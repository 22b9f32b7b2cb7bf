package intel

import (
	"cmp"
	"fmt"
	"slices"
)

// MatrixSize is the side of the device matrices (V1-4..V1-6): 16×16
// devices per page.
const MatrixSize = 16

// MatrixKind selects what a matrix colours devices by.
type MatrixKind string

const (
	MatrixVendor MatrixKind = "vendor"
	MatrixOS     MatrixKind = "os"
	MatrixRole   MatrixKind = "role"
)

// MatrixKinds lists the kinds.
var MatrixKinds = []MatrixKind{MatrixVendor, MatrixOS, MatrixRole}

// palette has one colour per legend entry: fifteen distinct hues for the
// most common categories, then grey for the rest ("others"). The hues are
// spaced so neighbours differ in lightness too, for colour-blind readers.
var palette = []string{
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
	"#bcbd22", "#0b5f66", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
}

const (
	colourOther   = "#9aa5b1"
	colourUnknown = "#dde3e9"
)

// LegendEntry is one colour of a matrix.
type LegendEntry struct {
	Key     string // the category: a vendor, an OS family, a role
	Label   string // Japanese label
	Colour  string // CSS colour
	Devices int    // devices of the category, over all pages
}

// MatrixCell is one device's square.
type MatrixCell struct {
	Row, Col int
	Device   *Device
	Legend   int    // index into Matrix.Legend
	Detail   string // what the category means for this device (OS name and confidence, ...)
}

// Matrix is one page of a device matrix.
type Matrix struct {
	Kind    MatrixKind
	Page    int // 1-based
	Pages   int
	Devices int // devices over all pages
	Cells   []MatrixCell
	Legend  []LegendEntry
}

// category returns a device's category for a matrix: key, Japanese label
// and the detail shown on hover. An empty key is "unknown".
func category(d *Device, kind MatrixKind) (key, label, detail string) {
	switch kind {
	case MatrixVendor:
		switch {
		case d.Vendor != "":
			return d.Vendor, d.Vendor, d.VendorFull
		case d.MACKind == MACLocal:
			return "local", "ローカル管理MAC", "ランダム化または仮想マシンのMACアドレス"
		}
		return "", "不明", ""
	case MatrixOS:
		if d.OS.Family == "" {
			return "", "不明", ""
		}
		return d.OS.Family, FamilyJapanese(d.OS.Family), fmt.Sprintf("%s (信頼度 %d)", d.OS.Name, d.OS.Confidence)
	case MatrixRole:
		if d.Role == RoleUnknown || d.Role == "" {
			return "", RoleUnknown.Japanese(), ""
		}
		return string(d.Role), d.Role.Japanese(), ""
	}
	return "", "不明", ""
}

// BuildMatrix lays out page (1-based, clamped) of a matrix of kind. Devices
// keep the inventory's order (by address), so a device stays in its square
// as long as nothing is added before it. The legend covers every page: the
// fifteen largest categories get a colour of their own, the rest share
// "その他" and unknowns are pale grey.
func BuildMatrix(inv *Inventory, kind MatrixKind, page int) Matrix {
	m := Matrix{Kind: kind, Devices: len(inv.Devices)}
	per := MatrixSize * MatrixSize
	m.Pages = max(1, (len(inv.Devices)+per-1)/per)
	m.Page = min(max(page, 1), m.Pages)

	type cat struct {
		key, label string
		n          int
	}
	counts := map[string]*cat{}
	for i := range inv.Devices {
		key, label, _ := category(&inv.Devices[i], kind)
		c := counts[key]
		if c == nil {
			c = &cat{key: key, label: label}
			counts[key] = c
		}
		c.n++
	}
	var cats []*cat
	for _, c := range counts {
		if c.key != "" {
			cats = append(cats, c)
		}
	}
	slices.SortFunc(cats, func(a, b *cat) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.label, b.label)) })
	index := map[string]int{}
	others := 0
	for i, c := range cats {
		if i < len(palette) {
			index[c.key] = len(m.Legend)
			m.Legend = append(m.Legend, LegendEntry{Key: c.key, Label: c.label, Colour: palette[i], Devices: c.n})
		} else {
			others += c.n
		}
	}
	if others > 0 {
		for _, c := range cats[len(palette):] {
			index[c.key] = len(m.Legend)
		}
		m.Legend = append(m.Legend, LegendEntry{Key: "other", Label: "その他", Colour: colourOther, Devices: others})
	}
	if u := counts[""]; u != nil {
		index[""] = len(m.Legend)
		m.Legend = append(m.Legend, LegendEntry{Key: "", Label: u.label, Colour: colourUnknown, Devices: u.n})
	}

	start := (m.Page - 1) * per
	end := min(start+per, len(inv.Devices))
	for i := start; i < end; i++ {
		d := &inv.Devices[i]
		key, _, detail := category(d, kind)
		pos := i - start
		m.Cells = append(m.Cells, MatrixCell{Row: pos / MatrixSize, Col: pos % MatrixSize, Device: d,
			Legend: index[key], Detail: detail})
	}
	return m
}
