package p0f

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"os"
	"strings"
)

// SystemPath is where Debian's p0f package installs its database. It is
// LGPL-licensed data, so it is read at run time when present rather than
// shipped.
const SystemPath = "/etc/p0f/p0f.fp"

// mimamori.fp holds Mimamori's own signatures, in p0f's format, for what
// p0f's database lacks: current Windows and Linux, network equipment and
// embedded controller stacks.
//
//go:embed mimamori.fp
var ownSignatures []byte

// Direction is the handshake packet a signature describes.
type Direction uint8

const (
	Request  Direction = iota // SYN, "[tcp:request]"
	Response                  // SYN+ACK, "[tcp:response]"
)

// Label is "type:class:name:flavor".
type Label struct {
	Generic bool   // "g": last-resort signature
	Class   string // "win", "unix", "other", or "!" for applications
	Name    string // "Linux", "Windows"
	Flavor  string // "3.11 and newer"
	Source  string // the file it came from
}

// String is "Name Flavor".
func (l *Label) String() string { return strings.TrimSpace(l.Name + " " + l.Flavor) }

// App reports whether the label names an application (NMap, p0f's own
// tools) rather than an operating system.
func (l *Label) App() bool { return l.Class == "!" }

// Signature is one "sig" line with its label.
type Signature struct {
	Label *Label
	Dir   Direction
	Sig   Sig
	Line  int
}

// DB is a set of TCP signatures in file order. Matching takes the first
// specific signature that fits, then the first generic one, so files
// loaded first take precedence.
type DB struct {
	sigs []*Signature
}

// Len is the number of signatures.
func (db *DB) Len() int { return len(db.sigs) }

// Signatures lists the signatures in matching order.
func (db *DB) Signatures() []*Signature { return db.sigs }

// Parse reads a p0f v3 fingerprint file. Only the [tcp:request] and
// [tcp:response] sections are used; [mtu] and the HTTP sections are
// skipped unread. source names the file in labels and errors.
func Parse(r io.Reader, source string) (*DB, error) {
	db := &DB{}
	sc := bufio.NewScanner(r)
	var label *Label
	inTCP := false
	dir := Request
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("%w: %s:%d: section %q", ErrSyntax, source, n, line)
			}
			label = nil
			switch line {
			case "[tcp:request]":
				inTCP, dir = true, Request
			case "[tcp:response]":
				inTCP, dir = true, Response
			default:
				inTCP = false
			}
			continue
		}
		if !inTCP {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%w: %s:%d: %q", ErrSyntax, source, n, line)
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "label":
			l, err := parseLabel(val)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", source, n, err)
			}
			l.Source = source
			label = l
		case "sig":
			if label == nil {
				return nil, fmt.Errorf("%w: %s:%d: sig before any label", ErrSyntax, source, n)
			}
			g, err := parseSig(val)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", source, n, err)
			}
			db.sigs = append(db.sigs, &Signature{Label: label, Dir: dir, Sig: g, Line: n})
		case "sys":
			// Which OSes an application runs on: not needed to name the OS.
		default:
			return nil, fmt.Errorf("%w: %s:%d: unknown key %q", ErrSyntax, source, n, key)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return db, nil
}

func parseLabel(s string) (*Label, error) {
	f := strings.SplitN(s, ":", 4)
	if len(f) != 4 || (f[0] != "s" && f[0] != "g") || f[1] == "" || f[2] == "" {
		return nil, fmt.Errorf("%w: label %q", ErrSyntax, s)
	}
	return &Label{Generic: f[0] == "g", Class: f[1], Name: f[2], Flavor: f[3]}, nil
}

// Merge returns a DB with db's signatures first, then other's.
func (db *DB) Merge(other *DB) *DB {
	sigs := make([]*Signature, 0, len(db.sigs)+len(other.sigs))
	sigs = append(append(sigs, db.sigs...), other.sigs...)
	return &DB{sigs: sigs}
}

// Own returns Mimamori's own signatures.
func Own() (*DB, error) {
	return Parse(bytes.NewReader(ownSignatures), "mimamori.fp")
}

// Load returns Mimamori's signatures followed by those of the p0f file at
// path, when it exists; path "" means SystemPath. A missing file is not an
// error (the second result is false); a broken one is.
func Load(path string) (*DB, bool, error) {
	own, err := Own()
	if err != nil {
		return nil, false, err
	}
	if path == "" {
		path = SystemPath
	}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return own, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	sys, err := Parse(f, path)
	if err != nil {
		return nil, false, err
	}
	return own.Merge(sys), true, nil
}
