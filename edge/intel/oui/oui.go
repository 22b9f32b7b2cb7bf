package oui

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// registry.tsv.gz is generated from Debian's ieee-data by `make intel-data`
// (edge/intel/internal/intelgen); see WriteCompact for its format.
//
//go:embed registry.tsv.gz
var embedded []byte

// Prefix lengths of the IEEE registries.
const (
	BitsMAL = 24 // MA-L, the classic OUI
	BitsMAM = 28 // MA-M
	BitsMAS = 36 // MA-S and the older IAB blocks
)

var (
	// ErrSyntax marks a line the parsers cannot read.
	ErrSyntax = errors.New("oui: syntax error")
	// ErrPrefix marks a prefix that is not 24, 28 or 36 bits of hex.
	ErrPrefix = errors.New("oui: bad prefix")
)

// Kind says how a MAC address is administered.
type Kind uint8

const (
	// Global addresses carry an IEEE-assigned prefix.
	Global Kind = iota
	// Local addresses have the locally-administered bit set: virtual
	// machines, containers, and phones and laptops that randomise their
	// MAC for privacy. Their prefix names no manufacturer.
	Local
	// Group addresses (multicast, broadcast) name no single device.
	Group
)

// KindOf classifies a MAC address by its first octet's I/G and U/L bits.
func KindOf(mac [6]byte) Kind {
	switch {
	case mac[0]&0x01 != 0:
		return Group
	case mac[0]&0x02 != 0:
		return Local
	}
	return Global
}

// Vendor is the registration a MAC address falls under.
type Vendor struct {
	// Name is the organisation as registered (or as the override file
	// names it).
	Name string
	// Short is Name without legal suffixes and shouting, or the brand the
	// maker is known by, for display and for grouping devices by vendor.
	Short string
	// Prefix is the matched prefix in hex, 6, 7 or 9 digits.
	Prefix string
	// Registry is MA-L, MA-M, MA-S, IAB or "override".
	Registry string
}

// Bits is the length of the matched prefix.
func (v Vendor) Bits() int { return len(v.Prefix) * 4 }

// entry is one registration as stored.
type entry struct {
	name, short, registry string
}

// Table maps MAC prefixes to vendors, longest prefix first. It is
// immutable once built and safe for concurrent use.
type Table struct {
	mal map[uint32]*entry // 24-bit prefixes
	mam map[uint32]*entry // 28-bit prefixes
	mas map[uint64]*entry // 36-bit prefixes
}

// Len is the number of registrations in the table.
func (t *Table) Len() int { return len(t.mal) + len(t.mam) + len(t.mas) }

// Lookup returns the vendor of mac by the longest registered prefix.
// Locally administered and group addresses have no vendor.
func (t *Table) Lookup(mac [6]byte) (Vendor, bool) {
	if KindOf(mac) != Global {
		return Vendor{}, false
	}
	p36 := uint64(mac[0])<<28 | uint64(mac[1])<<20 | uint64(mac[2])<<12 | uint64(mac[3])<<4 | uint64(mac[4])>>4
	if e, ok := t.mas[p36]; ok {
		return e.vendor(fmt.Sprintf("%09X", p36)), true
	}
	p28 := uint32(p36 >> 8)
	if e, ok := t.mam[p28]; ok {
		return e.vendor(fmt.Sprintf("%07X", p28)), true
	}
	p24 := uint32(p36 >> 12)
	if e, ok := t.mal[p24]; ok {
		return e.vendor(fmt.Sprintf("%06X", p24)), true
	}
	return Vendor{}, false
}

func (e *entry) vendor(prefix string) Vendor {
	return Vendor{Name: e.name, Short: e.short, Prefix: prefix, Registry: e.registry}
}

// Builder collects registrations; later ones replace earlier ones with the
// same prefix.
type Builder struct {
	t      Table
	shorts map[string]string // interned short names
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{
		t:      Table{mal: map[uint32]*entry{}, mam: map[uint32]*entry{}, mas: map[uint64]*entry{}},
		shorts: map[string]string{},
	}
}

// Add registers name under a hex prefix of 6, 7 or 9 digits (separators
// ":", "-" and "." are ignored).
func (b *Builder) Add(prefix, name, registry string) error {
	hex := normalizeHex(prefix)
	v, err := strconv.ParseUint(hex, 16, 64)
	if err != nil || hex == "" {
		return fmt.Errorf("%w: %q", ErrPrefix, prefix)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("%w: empty name for %s", ErrSyntax, prefix)
	}
	short, ok := b.shorts[name]
	if !ok {
		short = brand(ShortName(name))
		b.shorts[name] = short
	}
	e := &entry{name: name, short: short, registry: registry}
	switch len(hex) {
	case 6:
		b.t.mal[uint32(v)] = e
	case 7:
		b.t.mam[uint32(v)] = e
	case 9:
		b.t.mas[v] = e
	default:
		return fmt.Errorf("%w: %q has %d hex digits, want 6, 7 or 9", ErrPrefix, prefix, len(hex))
	}
	return nil
}

// Table returns the table built so far; the Builder must not be used after.
func (b *Builder) Table() *Table { return &b.t }

// normalizeHex upper-cases s and drops separators; it returns "" when
// anything but hex digits remains.
func normalizeHex(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' || c == '-' || c == '.':
			continue
		case '0' <= c && c <= '9', 'A' <= c && c <= 'F':
		case 'a' <= c && c <= 'f':
			c -= 'a' - 'A'
		default:
			return ""
		}
		out = append(out, c)
	}
	return string(out)
}

// Embedded returns the registry as shipped in the binary.
func Embedded() (*Table, error) {
	b := NewBuilder()
	if err := b.ReadCompactEmbedded(); err != nil {
		return nil, err
	}
	return b.Table(), nil
}

// ReadCompactEmbedded adds the registry shipped in the binary to b, so
// overrides can be added on top.
func (b *Builder) ReadCompactEmbedded() error {
	if err := b.ReadCompact(bytes.NewReader(embedded)); err != nil {
		return fmt.Errorf("oui: embedded table: %w", err)
	}
	return nil
}

// ReadCompact adds the registrations of a gzip'd compact table, as
// WriteCompact writes it.
func (b *Builder) ReadCompact(r io.Reader) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	registry := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if reg, ok := strings.CutPrefix(line, "#registry "); ok {
			registry = reg
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		prefix, name, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("%w: line %d: no tab", ErrSyntax, n)
		}
		if err := b.Add(prefix, name, registry); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}
