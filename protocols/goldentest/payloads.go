package goldentest

import (
	"path/filepath"
	"slices"
	"strings"

	"mimamori/edge/capture"
	"mimamori/edge/capture/capturetest"
	"mimamori/edge/decode"
)

// Payloads returns up to limit distinct TCP and UDP payloads from the
// corpus captures under the given directories ("modbus", "fins") whose
// packets match keep, for seeding fuzz targets. Without the corpus it
// returns nil.
func Payloads(dirs []string, keep func(p *decode.Packet) bool, limit int) [][]byte {
	var out [][]byte
	seen := map[string]bool{}
	dec := decode.New()
	var p decode.Packet
	for _, f := range capturetest.FilesIfPresent() {
		if !inDirs(f, dirs) {
			continue
		}
		src, err := capture.OpenFile(f)
		if err != nil {
			continue
		}
		for len(out) < limit {
			data, ci, link, err := src.ReadPacket()
			if err != nil {
				break
			}
			if dec.Decode(data, ci, link, &p) != nil || len(p.Payload) == 0 || !keep(&p) {
				continue
			}
			if k := string(p.Payload); !seen[k] {
				seen[k] = true
				out = append(out, slices.Clone(p.Payload))
			}
		}
		src.Close()
	}
	return out
}

func inDirs(path string, dirs []string) bool {
	path = filepath.ToSlash(path)
	for _, d := range dirs {
		if strings.Contains(path, "/"+d+"/") {
			return true
		}
	}
	return false
}
