package oui

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"unicode"
)

// Record is one registration read from a source file.
type Record struct {
	Prefix   string // upper-case hex, 6, 7 or 9 digits
	Name     string
	Registry string
}

// ReadIEEECSV reads one of the IEEE registry CSVs as Debian's ieee-data
// ships them (oui.csv, mam.csv, oui36.csv, iab.csv): a header row, then
// "Registry,Assignment,Organization Name,Organization Address" with quoted
// fields that may span lines. Names are HTML-unescaped (the IEEE export
// writes "&amp;"). Rows with another number of fields or a bad
// assignment are an error: the files are machine-written, so a surprise
// means the format changed.
func ReadIEEECSV(r io.Reader) ([]Record, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrSyntax, err)
	}
	if len(header) < 3 || !strings.EqualFold(strings.TrimSpace(header[0]), "Registry") {
		return nil, fmt.Errorf("%w: header %q is not an IEEE registry export", ErrSyntax, header)
	}
	var out []Record
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
		}
		if len(row) < 3 {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("%w: line %d: %d fields", ErrSyntax, line, len(row))
		}
		prefix := normalizeHex(row[1])
		switch len(prefix) {
		case 6, 7, 9:
		default:
			line, _ := cr.FieldPos(1)
			return nil, fmt.Errorf("%w: line %d: assignment %q", ErrPrefix, line, row[1])
		}
		name := strings.Join(strings.Fields(html.UnescapeString(row[2])), " ")
		if name == "" {
			continue
		}
		out = append(out, Record{Prefix: prefix, Name: name, Registry: strings.TrimSpace(row[0])})
	}
}

// ReadOverrides reads an override file: one registration per line,
//
//	00:1B:1B          Siemens
//	70-B3-D5-F2-F     Teleplatforms (a 36-bit MA-S block)
//	# comments and blank lines are ignored
//
// a prefix of 6, 7 or 9 hex digits (separators ":", "-", "." allowed),
// white space, and the vendor name. Overrides win over the IEEE data for
// the same prefix, and a longer prefix still wins over a shorter one.
func ReadOverrides(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	var out []Record
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.IndexFunc(line, unicode.IsSpace)
		if i < 0 {
			return nil, fmt.Errorf("%w: line %d: want a prefix and a name", ErrSyntax, n)
		}
		prefix := normalizeHex(line[:i])
		switch len(prefix) {
		case 6, 7, 9:
		default:
			return nil, fmt.Errorf("%w: line %d: %q", ErrPrefix, n, line[:i])
		}
		name := strings.Join(strings.Fields(line[i:]), " ")
		out = append(out, Record{Prefix: prefix, Name: name, Registry: "override"})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// AddRecords adds records to b.
func (b *Builder) AddRecords(rs []Record) error {
	for _, r := range rs {
		if err := b.Add(r.Prefix, r.Name, r.Registry); err != nil {
			return err
		}
	}
	return nil
}

// WriteCompact writes records as the embedded table: gzip'd text, one
// "#registry NAME" line before each registry's rows, then "PREFIX<TAB>Name"
// sorted by prefix. The output is a deterministic function of the input,
// so regenerating an unchanged registry changes no bytes.
func WriteCompact(w io.Writer, rs []Record) error {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b Record) int {
		if c := strings.Compare(a.Registry, b.Registry); c != 0 {
			return c
		}
		return strings.Compare(a.Prefix, b.Prefix)
	})
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	fmt.Fprintln(bw, "# Generated from Debian ieee-data by `make intel-data`. Do not edit.")
	registry := "\x00"
	for _, r := range rs {
		if r.Registry != registry {
			registry = r.Registry
			fmt.Fprintf(bw, "#registry %s\n", registry)
		}
		fmt.Fprintf(bw, "%s\t%s\n", r.Prefix, r.Name)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// legalSuffixes are company-form words dropped from the end of a name for
// its short form, compared case-insensitively and without punctuation.
var legalSuffixes = map[string]bool{
	"inc": true, "incorporated": true, "corp": true, "corporation": true, "co": true, "company": true,
	"ltd": true, "limited": true, "llc": true, "lp": true, "plc": true, "gmbh": true, "mbh": true,
	"ag": true, "kg": true, "se": true, "sa": true, "sas": true, "sarl": true, "spa": true, "srl": true,
	"bv": true, "nv": true, "oy": true, "ab": true, "as": true, "aps": true, "pty": true, "pte": true,
	"kk": true, "kabushiki": true, "kaisha": true, "sdn": true, "bhd": true, "tbk": true,
	"cokg": true, "coltd": true, "ltda": true, "&": true,
}

// ShortName shortens a registered organisation name for display: legal
// suffixes go ("Cisco Systems, Inc" → "Cisco Systems", "Siemens AG" →
// "Siemens", "Mitsubishi Electric Corporation" → "Mitsubishi Electric"),
// and names written in capitals are title-cased except for words of up to
// three letters, which are usually acronyms ("HEWLETT PACKARD" →
// "Hewlett Packard", "NEC CORPORATION" → "NEC").
func ShortName(name string) string {
	words := strings.Fields(name)
	n := len(words)
	for len(words) > 1 {
		w := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || r == '&' {
				return unicode.ToLower(r)
			}
			return -1
		}, words[len(words)-1])
		if !legalSuffixes[w] && w != "" {
			break
		}
		words = words[:len(words)-1]
	}
	s := strings.Join(words, " ")
	if len(words) < n {
		s = strings.TrimRight(s, " ,.-&")
	}
	if s == "" {
		return name
	}
	if strings.ToUpper(s) == s && strings.ToLower(s) != s {
		ws := strings.Fields(s)
		for i, w := range ws {
			if letters(w) > 3 {
				ws[i] = titleWord(w)
			}
		}
		s = strings.Join(ws, " ")
	}
	return s
}

func letters(w string) int {
	n := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// titleWord upper-cases the first letter of w and of each part after a
// hyphen, lower-casing the rest.
func titleWord(w string) string {
	rs := []rune(strings.ToLower(w))
	up := true
	for i, r := range rs {
		if up && unicode.IsLetter(r) {
			rs[i] = unicode.ToUpper(r)
			up = false
		}
		if r == '-' || r == '/' {
			up = true
		}
	}
	return string(rs)
}
