package synth

import (
	"testing"
	"time"
)

// TestDefaultStreamStable pins the default factory's output: the demo and
// the end-to-end tests are written against it, so a change to the bytes
// must be deliberate. When it is, update the digests below.
func TestDefaultStreamStable(t *testing.T) {
	tests := []struct {
		cfg    Config
		digest string
		frames int
	}{
		{Config{Seed: 42, Duration: 3 * time.Minute}, "eb5f54838d27be11aa12bad11e844b28fd0972d54f04d1744fe2c02af7f5a344", 63108},
		{Config{Seed: 7, Cells: 10, Duration: 2 * time.Minute, Untagged: true}, "16087da2c08cf1041957c79a2bdfa94c714810a27dae48a8f11b853daed83708", 137565},
	}
	for _, tt := range tests {
		if d, n := digest(t, tt.cfg); d != tt.digest || n != tt.frames {
			t.Errorf("seed %d, %d cells: %d frames with digest %s; want %d, %s",
				tt.cfg.Seed, tt.cfg.Cells, n, d, tt.frames, tt.digest)
		}
	}
}
