package synth

import (
	"testing"
	"time"
)

// TestDemoFactory checks that the demonstration plant adds a CC-Link IE
// Field network of layer-2-only stations to the default one and that its
// frames are generated.
func TestDemoFactory(t *testing.T) {
	def, demo := DefaultFactory(3), DemoFactory(3)
	if len(demo.Field) != 1 || len(demo.Hosts) != len(def.Hosts)+3 || len(def.Field) != 0 {
		t.Fatalf("demo factory: %d field networks, %d hosts (default %d)", len(demo.Field), len(demo.Hosts), len(def.Hosts))
	}
	macs := map[string]bool{}
	for _, h := range demo.Hosts {
		if macs[string(h.MAC)] {
			t.Errorf("MAC %s used twice", h.MAC)
		}
		macs[string(h.MAC)] = true
	}
	g := New(Config{Seed: 1, Duration: 10 * time.Second, Factory: demo})
	n := 0
	for {
		data, _, ok := g.Next()
		if !ok {
			break
		}
		if len(data) > 14 && data[12] == 0x81 && data[16] == 0x89 && data[17] == 0x0f {
			n++
		}
	}
	if n == 0 {
		t.Error("no CC-Link IE Field frames in ten seconds of the demo plant")
	}
}
