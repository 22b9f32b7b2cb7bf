package store

import (
	"strings"
	"testing"

	"mimamori/edge/wire/wirepb"
)

func TestOTDetailsText(t *testing.T) {
	for _, c := range []struct {
		in   []*wirepb.Attr
		want string
	}{
		{nil, ""},
		{[]*wirepb.Attr{{Key: "unit_id", Value: "1"}, {Key: "read_range", Value: "0-9,20-29"}}, "read_range=0-9,20-29 unit_id=1"},
		{[]*wirepb.Attr{{Key: "a b=c", Value: "x y\n"}, {Key: "", Value: "dropped"}, {Key: "e", Value: ""}}, "a_b_c=x_y"},
		{[]*wirepb.Attr{{Key: "k", Value: "1,2,3,4,5,6,7,8,9,10"}}, "k=1,2,3,4,5,6,7,…,10"},
		{[]*wirepb.Attr{{Key: "k", Value: "a…b"}}, "k=a_b"},
	} {
		if got := OTDetailsText(c.in); got != c.want {
			t.Errorf("OTDetailsText(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMergeOTDetails(t *testing.T) {
	for _, c := range []struct{ old, add, want string }{
		{"", "", ""},
		{"", "a=1", "a=1"},
		{"a=1", "", "a=1"},
		{"a=1 b=2", "a=1 b=2", "a=1 b=2"},
		{"a=1", "a=2", "a=1,2"},
		{"b=1", "a=2 c=3", "a=2 b=1 c=3"},
		{"a=2,1", "a=1,3", "a=2,1,3"},
		{"a=1,2,3,4,5,6,7,8", "a=9", "a=1,2,3,4,5,6,7,…,9"},
		{"a=1,2,3,4,5,6,7,…,9", "a=10", "a=1,2,3,4,5,6,7,…,10"},
		{"a=1,2,3,4,5,6,7,…,9", "a=3", "a=1,2,3,4,5,6,7,…,9"},
		{"a=1 …", "b=2", "a=1 b=2 …"},
	} {
		if got := MergeOTDetails(c.old, c.add); got != c.want {
			t.Errorf("MergeOTDetails(%q, %q) = %q, want %q", c.old, c.add, got, c.want)
		}
		if got := MergeOTDetails(c.want, c.add); got != c.want && c.add != "" {
			t.Errorf("merging %q again into %q changed it to %q", c.add, c.want, got)
		}
	}
	// The size bound: keys that do not fit are left out, and say so.
	var big []string
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		big = append(big, k+"="+strings.Repeat(k, 200))
	}
	got := MergeOTDetails("", strings.Join(big, " "))
	if len(got) > MaxOTDetails || !strings.HasSuffix(got, " …") || !strings.HasPrefix(got, "a=aaa") {
		t.Errorf("bounded merge = %d bytes %q…", len(got), got[:min(len(got), 20)])
	}
}
