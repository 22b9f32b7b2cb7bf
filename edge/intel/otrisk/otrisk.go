// Package otrisk marks the industrial-protocol functions a security
// analyst wants to see first: those that change a controller's memory or
// settings, change its operating state, or move its program, and codes the
// dissector does not know. The OT protocol lists of the portal (V5-1,
// V5-2) and their API flag events with it.
//
// The rules read the function's name as the dissectors report it, so they
// cover protocols added later without changes here: the name is split into
// words (at spaces, punctuation and camel case: "WriteProperty" is "write
// property"), and a word marks the event:
//
//	control  run, stop, pause, reset, restart, reboot, shutdown, start,
//	         reinitialize, cold, warm, control, lock, unlock, password,
//	         latch, mode
//	program  download, upload, program, programming, firmware, umas
//	write    write, fill, set, force(d), operate, select, delete, clear,
//	         erase, format, transfer, copy, create, new, change, modify,
//	         protect, restore, defrag, assign
//	unknown  the function is "unknown" (a code the protocol's table does
//	         not name) or empty
//
// A few codes are marked by number where the name says too little: FINS
// Access Right Acquire and Forced Acquire (0x0c01, 0x0c02: take over the
// PLC from other tools) are control; Modbus Diagnostics (8) is control
// when its sub-function restarts communications or forces listen-only
// mode (0x0001, 0x0004), and Modbus 90 (Schneider UMAS, the engineering
// protocol) is program. Read-only functions ("Device Read", "Read Holding
// Registers") are never marked. Errors (exception responses, non-zero end
// codes) are marked by the lists from the event's error count, not here.
package otrisk

import (
	"strings"
	"unicode"
)

// Mark is a set of reasons an event deserves attention.
type Mark uint8

const (
	Write   Mark = 1 << iota // changes memory, settings or files
	Control                  // changes the operating state (RUN/STOP, reset) or access
	Program                  // moves or changes the program or firmware
	Unknown                  // a function code the dissector does not know
)

var words = map[string]Mark{
	"run": Control, "stop": Control, "pause": Control, "reset": Control, "restart": Control,
	"reboot": Control, "shutdown": Control, "start": Control, "reinitialize": Control,
	"reinitialise": Control, "reinit": Control, "cold": Control, "warm": Control, "control": Control,
	"lock": Control, "unlock": Control, "password": Control, "latch": Control, "mode": Control,

	"download": Program, "upload": Program, "program": Program, "programming": Program,
	"firmware": Program, "umas": Program,

	"write": Write, "fill": Write, "set": Write, "force": Write, "forced": Write, "operate": Write,
	"select": Write, "delete": Write, "clear": Write, "erase": Write, "format": Write,
	"transfer": Write, "copy": Write, "create": Write, "new": Write, "change": Write,
	"modify": Write, "protect": Write, "restore": Write, "defrag": Write, "assign": Write,
}

// Classify marks one function of a protocol. details is the event's
// details text ("key=v1,v2 key=v3"), read for the few rules that need it.
func Classify(protocol string, code uint32, function, details string) Mark {
	var m Mark
	fn := strings.TrimSpace(function)
	if fn == "" || strings.EqualFold(fn, "unknown") {
		m |= Unknown
	}
	for _, w := range splitWords(fn) {
		m |= words[w]
	}
	switch protocol {
	case "fins":
		if code == 0x0c01 || code == 0x0c02 {
			m |= Control
		}
	case "modbus":
		switch code {
		case 8:
			if hasValue(details, "sub_function", "0x0001") || hasValue(details, "sub_function", "0x0004") {
				m |= Control
			}
		case 90:
			m |= Program
		}
	}
	return m
}

// splitWords lowercases a name and splits it into words at anything but
// letters and digits, and where lower case turns to upper case.
func splitWords(s string) []string {
	var out []string
	var cur []rune
	var prev rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return out
}

// hasValue reports whether a details text lists value under key.
func hasValue(details, key, value string) bool {
	for tok := range strings.FieldsSeq(details) {
		k, list, ok := strings.Cut(tok, "=")
		if !ok || k != key {
			continue
		}
		for v := range strings.SplitSeq(list, ",") {
			if strings.EqualFold(v, value) {
				return true
			}
		}
	}
	return false
}

// Keys are the marks' names in the API: "write", "control", "program",
// "unknown", in that order.
func (m Mark) Keys() []string {
	out := []string{}
	for _, x := range all {
		if m&x.mark != 0 {
			out = append(out, x.key)
		}
	}
	return out
}

// Labels are the marks' Japanese labels, as the portal shows them.
func (m Mark) Labels() []string {
	var out []string
	for _, x := range all {
		if m&x.mark != 0 {
			out = append(out, x.label)
		}
	}
	return out
}

var all = []struct {
	mark       Mark
	key, label string
}{
	{Write, "write", "書込"},
	{Control, "control", "運転制御"},
	{Program, "program", "プログラム転送"},
	{Unknown, "unknown", "不明コード"},
}
