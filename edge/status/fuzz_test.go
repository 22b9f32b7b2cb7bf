package status

import (
	"strings"
	"testing"
)

// FuzzAcceptLanguage: any header yields ja or en.
func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "en", "ja", "en-US,en;q=0.9,ja;q=0.8", "ja-JP,ja;q=0.9,en;q=0.1", "de;q=1, en;q=0.5", "en;q=abc", "en;q=0", strings.Repeat("x,", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if got := fromAcceptLanguage(h); got != "ja" && got != "en" {
			t.Fatalf("fromAcceptLanguage(%q) = %q", h, got)
		}
	})
}

// FuzzTriggers: any trigger file parses to fields without blanks.
func FuzzTriggers(f *testing.F) {
	for _, s := range []string{"none [timer]", "[none] timer heartbeat\n", "[]", "[", "a [b] [c]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		all, active := parseTriggers(s)
		for _, a := range all {
			if a == "" || strings.ContainsAny(a, " \t\n") {
				t.Fatalf("trigger %q from %q", a, s)
			}
		}
		if active != "" && !strings.Contains(s, "["+active+"]") {
			t.Fatalf("active %q not bracketed in %q", active, s)
		}
	})
}
