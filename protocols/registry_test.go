package protocols_test

import (
	"errors"
	"testing"

	"mimamori/protocols"
	"mimamori/protocols/all"
)

// fixed is a dissector that only describes itself.
type fixed struct {
	protocols.Dissector
	info protocols.Info
}

func (f fixed) Info() protocols.Info { return f.info }

func with(info protocols.Info) protocols.Constructor {
	return func() protocols.Dissector { return fixed{Dissector: demo{}, info: info} }
}

// bothRepeaters is a dissector that says it is both kinds of repeater.
type bothRepeaters struct{ demo }

func (bothRepeaters) RepeatState([]byte, bool, uint64, *protocols.RepeatKey) (int, uint64, uint64) {
	return 0, 0, 0
}

func TestNewRegistry(t *testing.T) {
	tests := []struct {
		name string
		cs   []protocols.Constructor
		want error
	}{
		{"one", []protocols.Constructor{newDemo}, nil},
		{"empty", nil, nil},
		{"empty id", []protocols.Constructor{with(protocols.Info{})}, protocols.ErrInvalidID},
		{"upper case id", []protocols.Constructor{with(protocols.Info{ID: "Modbus"})}, protocols.ErrInvalidID},
		{"id with an underscore", []protocols.Constructor{with(protocols.Info{ID: "cc_link"})}, protocols.ErrInvalidID},
		{"duplicate id", []protocols.Constructor{with(protocols.Info{ID: "x"}), with(protocols.Info{ID: "x"})}, protocols.ErrDuplicateID},
		{"tcp port twice", []protocols.Constructor{
			with(protocols.Info{ID: "a", TCPPorts: []uint16{502}}), with(protocols.Info{ID: "b", TCPPorts: []uint16{502}})}, protocols.ErrPortClaimed},
		{"same port, other transport", []protocols.Constructor{
			with(protocols.Info{ID: "a", TCPPorts: []uint16{502}}), with(protocols.Info{ID: "b", UDPPorts: []uint16{502}})}, nil},
		{"both kinds of repeater", []protocols.Constructor{func() protocols.Dissector { return bothRepeaters{} }},
			protocols.ErrRepeaterKinds},
		{"ethertype twice", []protocols.Constructor{
			with(protocols.Info{ID: "a", EtherTypes: []uint16{0x890f}}), with(protocols.Info{ID: "b", EtherTypes: []uint16{0x890f}})}, protocols.ErrPortClaimed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := protocols.NewRegistry(tt.cs...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("NewRegistry: %v, want %v", err, tt.want)
			}
			if err == nil && r.Len() != len(tt.cs) {
				t.Errorf("Len %d, want %d", r.Len(), len(tt.cs))
			}
		})
	}
	many := make([]protocols.Constructor, 256)
	if _, err := protocols.NewRegistry(many...); !errors.Is(err, protocols.ErrTooMany) {
		t.Errorf("256 dissectors: %v", err)
	}
}

func TestRegistryLookup(t *testing.T) {
	r := demoRegistry()
	if d, ok := r.Lookup("demo"); !ok || d.Info().ID != "demo" {
		t.Errorf("Lookup(demo) = %v, %v", d, ok)
	}
	if _, ok := r.Lookup("modbus"); ok {
		t.Error("Lookup found a protocol that is not registered")
	}
	if infos := r.Info(); len(infos) != 1 || infos[0].ID != "demo" {
		t.Errorf("Info() = %v", infos)
	}
}

// TestProtocolRanks checks that protocol numbers rank as their IDs sort,
// which is how a minute's events are ordered.
func TestProtocolRanks(t *testing.T) {
	odd, err := protocols.NewRegistry(with(protocols.Info{ID: "zeta", Variants: []string{"alpha-x"}}),
		with(protocols.Info{ID: "alpha"}), with(protocols.Info{ID: "mid"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*protocols.Registry{odd, all.Default()} {
		ids, rank := r.IDs(), protocols.ProtocolRanks(r)
		if len(rank) != len(ids) {
			t.Fatalf("%d ranks for %d IDs", len(rank), len(ids))
		}
		for i := range ids {
			for j := range ids {
				if (rank[i] < rank[j]) != (ids[i] < ids[j]) {
					t.Errorf("%s ranks %d, %s ranks %d", ids[i], rank[i], ids[j], rank[j])
				}
			}
		}
	}
}
