package capturetest

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"mimamori/edge/capture"
)

// EnvDir names an environment variable that overrides the corpus location.
const EnvDir = "MIMAMORI_PCAPS"

// Dir returns the corpus directory, or skips the test when there is none.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := find()
	if err != nil && os.Getenv("CI") == "true" {
		tb.Fatalf("capture corpus not available under CI (%v)", err)
	}
	if err != nil {
		tb.Skipf("capture corpus not available (%v); set %s or place it at ../shared/pcaps beside the module root", err, EnvDir)
	}
	return dir
}

func find() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return "", errors.New(EnvDir + " is not a directory")
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			pcaps := filepath.Join(filepath.Dir(dir), "shared", "pcaps")
			if st, err := os.Stat(pcaps); err == nil && st.IsDir() {
				return pcaps, nil
			}
			return "", errors.New("no shared/pcaps beside " + dir)
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("no go.mod above " + wd)
		}
	}
}

// Files returns every .pcap and .pcapng file in the corpus, sorted by path.
func Files(tb testing.TB) []string {
	tb.Helper()
	dir := Dir(tb)
	files, err := list(dir)
	if err != nil {
		tb.Fatalf("walk %s: %v", dir, err)
	}
	if len(files) == 0 {
		tb.Skipf("no captures in %s", dir)
	}
	return files
}

// FilesIfPresent is Files for callers that carry on without the corpus,
// such as fuzz targets seeding from it: it returns nil instead of skipping.
func FilesIfPresent() []string {
	dir, err := find()
	if err != nil {
		return nil
	}
	files, _ := list(dir)
	return files
}

func list(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && IsCapture(path) {
			files = append(files, path)
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

// Path returns the corpus file at rel (slash-separated, relative to the
// corpus), skipping the test if it is missing.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("corpus file %s not available: %v", rel, err)
	}
	return p
}

// IsCapture reports whether a file name looks like a pcap or pcapng file.
func IsCapture(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".pcap" || ext == ".pcapng" || ext == ".cap"
}

// Frame is one captured frame held in memory.
type Frame struct {
	Data []byte
	CI   gopacket.CaptureInfo
	Link layers.LinkType
}

// Frames reads up to limit frames (all when limit <= 0) from each file,
// copying them out of the reader's buffer.
func Frames(tb testing.TB, files []string, limit int) []Frame {
	tb.Helper()
	var out []Frame
	for _, f := range files {
		src, err := capture.OpenFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for n := 0; limit <= 0 || n < limit; n++ {
			data, ci, link, err := src.ReadPacket()
			if errors.Is(err, io.EOF) { // includes a file cut short
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
			ci.AncillaryData = nil
			out = append(out, Frame{Data: slices.Clone(data), CI: ci, Link: link})
		}
		src.Close()
	}
	return out
}
