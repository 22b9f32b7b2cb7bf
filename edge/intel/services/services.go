package services

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// iana.tsv is generated from Debian netbase's /etc/services (the IANA
// registry's commonly used part) by `make intel-data`; see WriteTSV.
//
//go:embed iana.tsv
var embeddedIANA []byte

// Sources of a service name, in increasing precedence.
const (
	SourceIANA   = "iana"
	SourceOT     = "ot"
	SourceCustom = "custom"
)

// Transport protocol numbers the table is keyed by.
const (
	TCP uint8 = 6
	UDP uint8 = 17
)

var (
	// ErrSyntax marks a line the parsers cannot read.
	ErrSyntax = errors.New("services: syntax error")
	// ErrName marks a custom name that is empty, too long or not printable.
	ErrName = errors.New("services: invalid service name")
)

// MaxNameLen bounds a custom service name.
const MaxNameLen = 64

// Service is the name of one transport port.
type Service struct {
	Proto       uint8  // TCP or UDP
	Port        uint16 // 1..65535
	Name        string // short name: "http", "modbus"
	Description string // what it is, where known
	Source      string // SourceIANA, SourceOT or SourceCustom
	OT          bool   // an industrial protocol
}

// ProtoName is "tcp" or "udp".
func (s Service) ProtoName() string { return ProtoName(s.Proto) }

// ProtoName names a transport protocol number; others are decimal.
func ProtoName(p uint8) string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case 1:
		return "icmp"
	case 58:
		return "icmpv6"
	}
	return strconv.Itoa(int(p))
}

type key struct {
	proto uint8
	port  uint16
}

// Table maps (protocol, port) to a service. It is immutable and safe for
// concurrent use; WithCustom derives a tenant's view.
type Table struct {
	m map[key]Service
}

// Embedded returns the IANA names (from netbase) overlaid with the
// industrial protocols' ports.
func Embedded() (*Table, error) {
	iana, err := ReadTSV(bytes.NewReader(embeddedIANA))
	if err != nil {
		return nil, fmt.Errorf("services: embedded table: %w", err)
	}
	t := &Table{m: make(map[key]Service, len(iana)+len(otServices))}
	for _, s := range iana {
		t.m[key{s.Proto, s.Port}] = s
	}
	for _, s := range otServices {
		s.Source, s.OT = SourceOT, true
		if old, ok := t.m[key{s.Proto, s.Port}]; ok && s.Description == "" {
			s.Description = old.Description
		}
		t.m[key{s.Proto, s.Port}] = s
	}
	return t, nil
}

// Lookup returns the service of a port.
func (t *Table) Lookup(proto uint8, port uint16) (Service, bool) {
	s, ok := t.m[key{proto, port}]
	return s, ok
}

// Name returns the service name of a port, or "tcp/5001" style text for
// an unnamed one.
func (t *Table) Name(proto uint8, port uint16) string {
	if s, ok := t.Lookup(proto, port); ok {
		return s.Name
	}
	if proto != TCP && proto != UDP {
		return ProtoName(proto) // ICMP and others have no ports
	}
	return ProtoName(proto) + "/" + strconv.Itoa(int(port))
}

// WithCustom returns a copy of t in which the given names (a tenant's own,
// S1-5) replace the built-in ones for their ports.
func (t *Table) WithCustom(custom []Service) *Table {
	if len(custom) == 0 {
		return t
	}
	c := &Table{m: make(map[key]Service, len(t.m)+len(custom))}
	for k, s := range t.m {
		c.m[k] = s
	}
	for _, s := range custom {
		s.Source = SourceCustom
		if old, ok := c.m[key{s.Proto, s.Port}]; ok {
			s.OT = s.OT || old.OT
			if s.Description == "" {
				s.Description = old.Description
			}
		}
		c.m[key{s.Proto, s.Port}] = s
	}
	return c
}

// All lists every service by protocol and port.
func (t *Table) All() []Service {
	out := make([]Service, 0, len(t.m))
	for _, s := range t.m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Service) int {
		if a.Proto != b.Proto {
			return int(a.Proto) - int(b.Proto)
		}
		return int(a.Port) - int(b.Port)
	})
	return out
}

// Len is the number of named ports.
func (t *Table) Len() int { return len(t.m) }

// CheckName validates a custom service name: 1 to MaxNameLen bytes of
// printable text without tabs or line breaks.
func CheckName(name string) error {
	if name == "" || len(name) > MaxNameLen || strings.TrimSpace(name) != name {
		return ErrName
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return ErrName
		}
	}
	return nil
}

// ReadEtcServices parses the services(5) format: "name port/protocol
// [aliases...] [# comment]". Only tcp and udp entries are kept; the
// comment becomes the description. A port outside 1..65535 or a line
// without a port/protocol field is an error.
func ReadEtcServices(r io.Reader) ([]Service, error) {
	var out []Service
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, comment, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("%w: line %d: no port/protocol", ErrSyntax, n)
		}
		portStr, proto, ok := strings.Cut(fields[1], "/")
		if !ok {
			return nil, fmt.Errorf("%w: line %d: %q is not port/protocol", ErrSyntax, n, fields[1])
		}
		port, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil || port == 0 {
			return nil, fmt.Errorf("%w: line %d: port %q", ErrSyntax, n, portStr)
		}
		var p uint8
		switch strings.ToLower(proto) {
		case "tcp":
			p = TCP
		case "udp":
			p = UDP
		default:
			continue // sctp, ddp: not seen by the sensor's flow table as ports
		}
		out = append(out, Service{Proto: p, Port: uint16(port), Name: fields[0],
			Description: strings.TrimSpace(comment), Source: SourceIANA})
	}
	return out, sc.Err()
}

// WriteTSV writes services as the embedded table: "proto/port<TAB>name
// <TAB>description" lines sorted by protocol and port, the first name of a
// port winning as in services(5).
func WriteTSV(w io.Writer, ss []Service) error {
	seen := map[key]bool{}
	var rows []Service
	for _, s := range ss {
		k := key{s.Proto, s.Port}
		if seen[k] {
			continue
		}
		seen[k] = true
		rows = append(rows, s)
	}
	slices.SortFunc(rows, func(a, b Service) int {
		if a.Proto != b.Proto {
			return int(a.Proto) - int(b.Proto)
		}
		return int(a.Port) - int(b.Port)
	})
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# Generated from Debian netbase /etc/services by `make intel-data`. Do not edit.")
	for _, s := range rows {
		fmt.Fprintf(bw, "%s/%d\t%s\t%s\n", s.ProtoName(), s.Port, s.Name, s.Description)
	}
	return bw.Flush()
}

// ReadTSV reads what WriteTSV wrote.
func ReadTSV(r io.Reader) ([]Service, error) {
	var out []Service
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) < 2 {
			return nil, fmt.Errorf("%w: line %d", ErrSyntax, n)
		}
		proto, portStr, ok := strings.Cut(parts[0], "/")
		port, err := strconv.ParseUint(portStr, 10, 16)
		if !ok || err != nil || port == 0 || (proto != "tcp" && proto != "udp") || parts[1] == "" {
			return nil, fmt.Errorf("%w: line %d: %q", ErrSyntax, n, parts[0])
		}
		s := Service{Proto: TCP, Port: uint16(port), Name: parts[1], Source: SourceIANA}
		if proto == "udp" {
			s.Proto = UDP
		}
		if len(parts) == 3 {
			s.Description = parts[2]
		}
		out = append(out, s)
	}
	return out, sc.Err()
}
