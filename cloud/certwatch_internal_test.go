package cloud

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mimamori/edge/tlsconf"
)

// TestWatchCertificates: a served certificate in its last 30 days is
// warned about, an expired or unreadable one is an error, and one far from
// its end says nothing.
func TestWatchCertificates(t *testing.T) {
	caCert, caKey, err := tlsconf.NewCA("Mimamori test CA", 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := tlsconf.Issue(caCert, caKey, tlsconf.ServerUse, "cloud.example", nil, 100*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "broker.pem")
	os.WriteFile(file, cert, 0o644)
	for _, tc := range []struct {
		name string
		in   time.Duration // from now
		file string
		want string // in the log; "" for nothing
	}{
		{"far from its end", 0, file, ""},
		{"in its last 30 days", 80 * 24 * time.Hour, file, `level=WARN msg="cloud: the broker's certificate expires soon; renew it"`},
		{"expired", 101 * 24 * time.Hour, file, `level=ERROR msg="cloud: the broker's certificate has expired; renew it"`},
		{"unreadable", 0, file + ".missing", `level=ERROR msg="cloud: the broker's certificate cannot be read"`},
	} {
		var buf bytes.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // one check, then return
		watchCertificates(ctx, map[string]string{"broker": tc.file}, slog.New(slog.NewTextHandler(&buf, nil)),
			func() time.Time { return time.Now().Add(tc.in) }, time.Hour)
		if got := buf.String(); (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: logged %q, want %q", tc.name, got, tc.want)
		}
	}
}
