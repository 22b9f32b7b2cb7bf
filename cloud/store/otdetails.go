package store

import (
	"slices"
	"strings"

	"mimamori/edge/wire/wirepb"
)

// Bounds of OTEvent.Details.
const (
	// otValuesPerKey is how many values of one detail key are kept.
	otValuesPerKey = 8
	// otElided stands for values or keys left out.
	otElided = "…"
)

// OTDetailsText renders an event's details as stored: "key=v1,v2 key=v3",
// keys in ascending order, within the bounds of MergeOTDetails. Spaces,
// '=' in keys and control characters, which would break the form, become
// '_'; they do not occur in what the dissectors report.
func OTDetailsText(extras []*wirepb.Attr) string {
	if len(extras) == 0 {
		return ""
	}
	var d otDetails
	for _, a := range extras {
		if a == nil || a.Key == "" {
			continue
		}
		key := cleanDetail(a.Key, true)
		var vals []string
		for v := range strings.SplitSeq(a.Value, ",") {
			if v = cleanDetail(v, false); v != "" {
				vals = append(vals, v)
			}
		}
		d.add(key, vals, false)
	}
	return d.String()
}

// MergeOTDetails is the union of two details texts: per key the values of
// old in their order, then the values of add it does not have yet. A key
// keeps at most 8 values: the first 7 and the newest, with "…" between
// them once some were left out. The result is at most MaxOTDetails bytes:
// keys that do not fit are left out and a final "…" says so. Merging a text
// into itself changes nothing.
func MergeOTDetails(old, add string) string {
	if add == "" || add == old {
		return boundDetails(old)
	}
	d := parseOTDetails(old)
	n := parseOTDetails(add)
	for _, e := range n.entries {
		d.add(e.key, e.vals, e.elided)
	}
	d.cut = d.cut || n.cut
	return d.String()
}

// boundDetails applies the size bounds to a stored text; stored texts
// already meet them, so this is a no-op in practice.
func boundDetails(s string) string {
	if len(s) <= MaxOTDetails {
		return s
	}
	return parseOTDetails(s).String()
}

type otDetail struct {
	key    string
	vals   []string
	elided bool // values between vals[len-2] and vals[len-1] were left out
}

type otDetails struct {
	entries []otDetail // by key
	cut     bool       // keys were left out
}

func parseOTDetails(s string) otDetails {
	var d otDetails
	for tok := range strings.FieldsSeq(s) {
		key, list, ok := strings.Cut(tok, "=")
		if !ok {
			if tok == otElided {
				d.cut = true
			}
			continue
		}
		e := otDetail{key: key}
		for v := range strings.SplitSeq(list, ",") {
			switch v {
			case "":
			case otElided:
				e.elided = true
			default:
				e.vals = append(e.vals, v)
			}
		}
		d.entries = append(d.entries, e)
	}
	return d
}

// add merges values of one key.
func (d *otDetails) add(key string, vals []string, elided bool) {
	i, found := slices.BinarySearchFunc(d.entries, key, func(e otDetail, k string) int { return strings.Compare(e.key, k) })
	if !found {
		d.entries = slices.Insert(d.entries, i, otDetail{key: key})
	}
	e := &d.entries[i]
	e.elided = e.elided || elided
	for _, v := range vals {
		if slices.Contains(e.vals, v) {
			continue
		}
		if len(e.vals) < otValuesPerKey {
			e.vals = append(e.vals, v)
			continue
		}
		// Full: the newest value takes the last place.
		e.vals[len(e.vals)-1] = v
		e.elided = true
	}
}

// String formats the details within MaxOTDetails bytes.
func (d otDetails) String() string {
	var b strings.Builder
	cut := d.cut
	for _, e := range d.entries {
		if len(e.vals) == 0 {
			continue
		}
		var item strings.Builder
		item.WriteString(e.key)
		item.WriteByte('=')
		for j, v := range e.vals {
			if j > 0 {
				item.WriteByte(',')
			}
			if e.elided && j == len(e.vals)-1 && j > 0 {
				item.WriteString(otElided + ",")
			}
			item.WriteString(v)
		}
		// Room for the item, its separator and a final " …".
		if b.Len()+1+item.Len()+1+len(otElided) > MaxOTDetails {
			cut = true
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(item.String())
	}
	if cut {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(otElided)
	}
	return b.String()
}

// cleanDetail makes a key or value safe for the text form.
func cleanDetail(s string, key bool) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200]
		s = strings.ToValidUTF8(s, "")
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r <= ' ' || r == 0x7f || r == ',':
			return '_'
		case key && r == '=':
			return '_'
		case r == '…':
			return '_'
		}
		return r
	}, s)
}
