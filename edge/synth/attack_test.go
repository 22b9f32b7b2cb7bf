package synth

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseAttacks(t *testing.T) {
	tests := []struct {
		spec string
		want []Attack
		bad  bool
	}{
		{spec: "plc-stop", want: []Attack{{Kind: AttackPLCStop}}},
		{spec: "plc-stop:fins@90s, flood@5m+20s", want: []Attack{
			{Kind: AttackPLCStop, Proto: ProtoFINS, At: 90 * time.Second},
			{Kind: AttackFlood, At: 5 * time.Minute, Duration: 20 * time.Second}}},
		{spec: "signature:modbus,program-download:s7", want: []Attack{
			{Kind: AttackSignature, Proto: ProtoModbus}, {Kind: AttackDownload, Proto: ProtoS7}}},
		{spec: "plc-write:cip", want: []Attack{{Kind: AttackPLCWrite, Proto: ProtoENIP}}},
		{spec: "nope", bad: true},
		{spec: "plc-stop:klingon", bad: true},
		{spec: "flood@soon", bad: true},
		{spec: "flood+-1s", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseAttacks(tt.spec)
		if (err != nil) != tt.bad {
			t.Errorf("%q: err %v, want error %v", tt.spec, err, tt.bad)
			continue
		}
		if !tt.bad && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %+v, want %+v", tt.spec, got, tt.want)
		}
	}
	all, err := ParseAttacks("all")
	if err != nil || len(all) != len(AttackKinds()) {
		t.Fatalf("all: %d attacks, %v", len(all), err)
	}
}

// attackRun generates three minutes of a one-cell plant with one attack
// and returns the frames and the attack's label.
func runAttack(t *testing.T, a Attack) ([]pkt, Label, *Generator) {
	t.Helper()
	a.At = 30 * time.Second
	g, err := NewChecked(Config{Seed: 5, Cells: 1, Duration: 3 * time.Minute, Attacks: []Attack{a}})
	if err != nil {
		t.Fatal(err)
	}
	var ps []pkt
	for {
		f, ts, ok := g.Next()
		if !ok {
			break
		}
		ps = append(ps, parse(t, append([]byte(nil), f...), ts))
	}
	labels := g.Labels()
	if len(labels) != 1 {
		t.Fatalf("%d labels", len(labels))
	}
	return ps, labels[0], g
}

// payloadFrom returns the L4 payloads sent from ip to ip on port.
func payloads(ps []pkt, from, to [4]byte, dport uint16) [][]byte {
	var out [][]byte
	for _, p := range ps {
		if p.ip && p.sip == from && p.dip == to && p.dport == dport && len(p.payload) > 0 {
			out = append(out, p.payload)
		}
	}
	return out
}

// TestAttacks injects each kind into a plant and checks the label against
// the frames: that the attack happened, when the label says, between the
// hosts it names, with the protocol function it names.
func TestAttacks(t *testing.T) {
	ip := func(e Endpoint) [4]byte { return mustAddr(t, e.IP) }
	tests := []struct {
		attack Attack
		check  func(t *testing.T, ps []pkt, l Label)
	}{
		{Attack{Kind: AttackNewDevice}, func(t *testing.T, ps []pkt, l Label) {
			if !l.Attacker.Injected || !strings.HasPrefix(l.Attacker.MAC, "b8:27:eb") {
				t.Errorf("attacker %+v is not an injected Raspberry Pi", l.Attacker)
			}
			if len(payloads(ps, ip(l.Attacker), ip(l.Victims[0]), 502)) < 30 {
				t.Error("the new device does not poll its victim over Modbus")
			}
		}},
		{Attack{Kind: AttackARPSpoof}, func(t *testing.T, ps []pkt, l Label) {
			spoofs := 0
			for _, p := range ps {
				if p.etype == etherARP && binary.BigEndian.Uint16(p.l3[6:]) == arpReply && macString(p.l3[8:14]) == l.Attacker.MAC {
					claimed := [4]byte(p.l3[14:18])
					if claimed == ip(l.Victims[0]) || claimed == ip(l.Victims[1]) {
						spoofs++
					}
				}
			}
			if spoofs < 100 || spoofs != l.Packets {
				t.Errorf("%d spoofed replies, label counts %d", spoofs, l.Packets)
			}
		}},
		{Attack{Kind: AttackHostScan}, func(t *testing.T, ps []pkt, l Label) {
			probes := 0
			for _, p := range ps {
				if p.ip && p.proto == protoICMP && p.sip == ip(l.Attacker) && p.icmpType == 8 {
					probes++
				}
			}
			if probes < 250 {
				t.Errorf("%d echo requests in the sweep", probes)
			}
		}},
		{Attack{Kind: AttackPortScan}, func(t *testing.T, ps []pkt, l Label) {
			syn, synack := 0, 0
			for _, p := range ps {
				if p.proto == protoTCP && p.sip == ip(l.Attacker) && p.dip == ip(l.Victims[0]) && p.flags == tcpSYN {
					syn++
				}
				if p.proto == protoTCP && p.dip == ip(l.Attacker) && p.flags == tcpSYN|tcpACK && p.ts >= l.Start.UnixNano() {
					synack++
				}
			}
			if syn != 1024+len(otPorts) || synack < 3 {
				t.Errorf("%d SYNs and %d SYN-ACKs (open ports)", syn, synack)
			}
		}},
		{Attack{Kind: AttackPLCStop}, slmpCommand(0x1002)},
		{Attack{Kind: AttackPLCRun}, slmpCommand(0x1001)},
		{Attack{Kind: AttackPLCWrite}, slmpCommand(0x1401)},
		{Attack{Kind: AttackPLCStop, Proto: ProtoFINS}, func(t *testing.T, ps []pkt, l Label) {
			for _, pl := range payloads(ps, ip(l.Attacker), ip(l.Victims[0]), 9600) {
				if binary.BigEndian.Uint16(pl[10:]) == 0x0402 {
					return
				}
			}
			t.Error("no FINS STOP")
		}},
		{Attack{Kind: AttackPLCStop, Proto: ProtoS7}, s7Function(0x29)},
		{Attack{Kind: AttackPLCRun, Proto: ProtoS7}, s7Function(0x28)},
		{Attack{Kind: AttackPLCWrite, Proto: ProtoS7}, s7Function(0x05)},
		{Attack{Kind: AttackDownload}, s7Function(0x1a)},
		{Attack{Kind: AttackPLCStop, Proto: ProtoENIP}, func(t *testing.T, ps []pkt, l Label) {
			for _, pl := range payloads(ps, ip(l.Attacker), ip(l.Victims[0]), enipPort) {
				if binary.LittleEndian.Uint16(pl) == enipSendRRData && pl[40] == 0x07 {
					return
				}
			}
			t.Error("no CIP Stop")
		}},
		{Attack{Kind: AttackPLCWrite, Proto: ProtoModbus}, func(t *testing.T, ps []pkt, l Label) {
			for _, pl := range payloads(ps, ip(l.Attacker), ip(l.Victims[0]), 502) {
				if pl[7] == mbWriteMulti {
					return
				}
			}
			t.Error("no Modbus write")
		}},
		{Attack{Kind: AttackFlood, Duration: 10 * time.Second, Rate: 1000}, func(t *testing.T, ps []pkt, l Label) {
			n := len(payloads(ps, ip(l.Attacker), ip(l.Victims[0]), 9))
			if n < 9900 || n > 10000 || l.End.Sub(l.Start) < 9*time.Second {
				t.Errorf("%d datagrams over %v", n, l.End.Sub(l.Start))
			}
		}},
		{Attack{Kind: AttackOffHours, Duration: time.Minute}, func(t *testing.T, ps []pkt, l Label) {
			if l.Bytes < 20<<20 {
				t.Errorf("only %d bytes moved", l.Bytes)
			}
		}},
		{Attack{Kind: AttackEOLOS}, func(t *testing.T, ps []pkt, l Label) {
			dhcp, smb1 := false, false
			for _, p := range ps {
				if macString(p.src[:]) != l.Attacker.MAC || !p.ip {
					continue
				}
				if p.dport == 67 && bytes.Contains(p.payload, prlWindowsXP) {
					dhcp = true
				}
				if p.dport == 445 && bytes.Contains(p.payload, []byte("NT LM 0.12")) {
					smb1 = true
				}
			}
			if !dhcp || !smb1 {
				t.Errorf("XP fingerprints: DHCP %v, SMB1 negotiate %v", dhcp, smb1)
			}
		}},
		{Attack{Kind: AttackSignature}, func(t *testing.T, ps []pkt, l Label) {
			if l.Signature == nil || l.Signature.SID != 2048684 {
				t.Fatalf("signature %+v", l.Signature)
			}
			for _, pl := range payloads(ps, ip(l.Attacker), ip(l.Victims[0]), 80) {
				if bytes.HasPrefix(pl, []byte("GET /Images/CPU1200/")) {
					return
				}
			}
			t.Error("no request the rule matches")
		}},
		{Attack{Kind: AttackSignature, Proto: ProtoModbus}, func(t *testing.T, ps []pkt, l Label) {
			for _, pl := range payloads(ps, ip(l.Attacker), ip(l.Victims[0]), 502) {
				// The rule: |00 00| at offset 2, |08 00 04| at offset 7.
				if bytes.Equal(pl[2:4], []byte{0, 0}) && bytes.Equal(pl[7:10], []byte{8, 0, 4}) {
					return
				}
			}
			t.Error("no request the rule matches")
		}},
	}
	for _, tt := range tests {
		name := string(tt.attack.Kind)
		if tt.attack.Proto != 0 {
			name += ":" + tt.attack.Proto.String()
		}
		t.Run(name, func(t *testing.T) {
			ps, l, g := runAttack(t, tt.attack)
			if !l.Emitted || l.Packets == 0 || l.Bytes < 60*l.Packets {
				t.Fatalf("label %+v: nothing emitted", l)
			}
			start := g.Start().Add(30 * time.Second)
			if l.Start.Before(start.Add(-time.Second)) || l.Start.After(start.Add(30*time.Second)) || l.End.Before(l.Start) {
				t.Errorf("label runs %v..%v, attack planned at %v", l.Start, l.End, start)
			}
			if l.Attacker.MAC == "" || len(l.Detectors) == 0 || l.Description == "" {
				t.Errorf("incomplete label %+v", l)
			}
			hosts := map[string]Host{}
			for _, h := range g.Hosts() {
				hosts[h.Name] = h
			}
			for _, e := range append([]Endpoint{l.Attacker}, l.Victims...) {
				h, ok := hosts[e.Name]
				if !ok || h.MAC.String() != e.MAC || h.IP.String() != e.IP || h.Injected != e.Injected {
					t.Errorf("endpoint %+v does not match host %+v", e, h)
				}
			}
			tt.check(t, ps, l)
		})
	}
}

func slmpCommand(cmd uint16) func(t *testing.T, ps []pkt, l Label) {
	return func(t *testing.T, ps []pkt, l Label) {
		t.Helper()
		if l.Protocol != "slmp" || l.Code != uint32(cmd) {
			t.Errorf("label says %s %#x", l.Protocol, l.Code)
		}
		for _, pl := range payloads(ps, mustAddr(t, l.Attacker.IP), mustAddr(t, l.Victims[0].IP), 5001) {
			if pl[0] == 0x50 && binary.LittleEndian.Uint16(pl[11:]) == cmd {
				return
			}
		}
		t.Errorf("no SLMP command %#04x from the attacker", cmd)
	}
}

func s7Function(fn byte) func(t *testing.T, ps []pkt, l Label) {
	return func(t *testing.T, ps []pkt, l Label) {
		t.Helper()
		for _, pl := range payloads(ps, mustAddr(t, l.Attacker.IP), mustAddr(t, l.Victims[0].IP), 102) {
			// TPKT (4) + COTP DT (3) + S7 header (10) + function code.
			if len(pl) > 17 && pl[7] == 0x32 && pl[8] == s7Job && pl[17] == fn {
				return
			}
		}
		t.Errorf("no S7 job with function %#02x from the attacker", fn)
	}
}

func mustAddr(t *testing.T, s string) [4]byte {
	t.Helper()
	var a [4]byte
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		t.Fatalf("bad address %q", s)
	}
	for i, p := range parts {
		var v int
		for _, c := range p {
			v = v*10 + int(c-'0')
		}
		a[i] = byte(v)
	}
	return a
}

func macString(b []byte) string {
	const hex = "0123456789abcdef"
	var s []byte
	for i, c := range b {
		if i > 0 {
			s = append(s, ':')
		}
		s = append(s, hex[c>>4], hex[c&15])
	}
	return string(s)
}

// TestAttackErrors: attacks that cannot be placed are refused.
func TestAttackErrors(t *testing.T) {
	for name, a := range map[string]Attack{
		"unknown kind":      {Kind: "teleport"},
		"unknown attacker":  {Kind: AttackPLCStop, Attacker: "nobody"},
		"stop over modbus":  {Kind: AttackPLCStop, Proto: ProtoModbus},
		"download over cip": {Kind: AttackDownload, Proto: ProtoENIP},
		"self attack":       {Kind: AttackPLCStop, Attacker: "cell1-melsec"},
		"no signature":      {Kind: AttackSignature, Proto: ProtoFINS},
	} {
		if _, err := NewChecked(Config{Cells: 1, Duration: time.Minute, Attacks: []Attack{a}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestAttacksOutsideDuration: an attack after the end is labelled as not
// emitted, with its planned time.
func TestAttacksOutsideDuration(t *testing.T) {
	g := New(Config{Seed: 1, Cells: 1, Duration: time.Minute, Attacks: []Attack{{Kind: AttackPLCStop, At: 2 * time.Minute}}})
	for _, _, ok := g.Next(); ok; _, _, ok = g.Next() {
	}
	l := g.Labels()[0]
	if l.Emitted || l.Packets != 0 || !l.Start.Equal(g.Start().Add(2*time.Minute)) {
		t.Fatalf("label %+v", l)
	}
}

// TestAttackSpread: attacks without a time are spread over the run, and
// the same configuration gives the same labels.
func TestAttackSpread(t *testing.T) {
	cfg := Config{Seed: 3, Cells: 1, Duration: 4 * time.Minute,
		Attacks: []Attack{{Kind: AttackPLCStop}, {Kind: AttackPortScan}, {Kind: AttackSignature}}}
	run := func() []Label {
		g := New(cfg)
		for _, _, ok := g.Next(); ok; _, _, ok = g.Next() {
		}
		return g.Labels()
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("labels differ between identical runs")
	}
	for i, l := range a {
		want := cfg.Duration * time.Duration(i+1) / 4
		if d := l.Start.Sub(New(cfg).Start()); d < want || d > want+10*time.Second {
			t.Errorf("attack %d starts %v into the run, want about %v", i, d, want)
		}
	}
}
