package auth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	h, err := HashPassword("correct horse バッテリー")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q lacks the expected PHC prefix", h)
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"same password", "correct horse バッテリー", true},
		{"different password", "correct horse battery", false},
		{"empty", "", false},
		{"prefix", "correct horse", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyPassword(h, tt.password)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("VerifyPassword = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHashUsesFreshSalt(t *testing.T) {
	a, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	b, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two hashes of one password are equal; the salt is not random")
	}
}

// A hash written with other parameters (as an older deployment or another
// tool would) still verifies, because the parameters travel in the string.
func TestVerifyHonoursStoredParams(t *testing.T) {
	salt := []byte("0123456789abcdef")
	p := Params{Memory: 1024, Iterations: 1, Parallelism: 1}
	key := idKey("secret", salt, p, 32)
	enc := encodePHC(p, salt, key)
	if enc != "$argon2id$v=19$m=1024,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"+base64.RawStdEncoding.EncodeToString(key) {
		t.Fatalf("unexpected encoding %q", enc)
	}
	ok, err := VerifyPassword(enc, "secret")
	if err != nil || !ok {
		t.Fatalf("VerifyPassword = %v, %v; want true, nil", ok, err)
	}
}

var phcCases = []struct {
	name string
	in   string
	ok   bool
}{
	{"valid", "$argon2id$v=19$m=65536,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY", true},
	{"small valid", "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc$MDEyMzQ1Njc4OWFiY2RlZg", true},
	{"empty", "", false},
	{"argon2i", "$argon2i$v=19$m=65536,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", false},
	{"old version", "$argon2id$v=16$m=65536,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"missing version", "$argon2id$m=65536,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"params out of order", "$argon2id$v=19$t=3,m=65536,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"zero iterations", "$argon2id$v=19$m=65536,t=0,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"zero lanes", "$argon2id$v=19$m=65536,t=3,p=0$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"huge memory", "$argon2id$v=19$m=4294967295,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"memory below 8 per lane", "$argon2id$v=19$m=8,t=1,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"negative", "$argon2id$v=19$m=-1,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"padded base64", "$argon2id$v=19$m=65536,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg==$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"short salt", "$argon2id$v=19$m=65536,t=3,p=2$MDEy$MDEyMzQ1Njc4OWFiY2RlZg", false},
	{"short hash", "$argon2id$v=19$m=65536,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEy", false},
	{"trailing field", "$argon2id$v=19$m=65536,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg$", false},
	{"no leading dollar", "argon2id$v=19$m=65536,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZg", false},
}

func TestParsePHC(t *testing.T) {
	for _, tt := range phcCases {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := ParsePHC(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParsePHC(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrMalformedHash) {
				t.Errorf("error %v does not wrap ErrMalformedHash", err)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	ok, err := VerifyPassword("$argon2id$v=19$garbage", "pw")
	if ok || !errors.Is(err, ErrMalformedHash) {
		t.Fatalf("VerifyPassword = %v, %v; want false, ErrMalformedHash", ok, err)
	}
}

func TestNewToken(t *testing.T) {
	tok, digest, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != TokenBytes {
		t.Fatalf("token %q decodes to %d bytes (%v), want %d", tok, len(raw), err, TokenBytes)
	}
	if !bytes.Equal(digest, HashToken(tok)) || len(digest) != 32 {
		t.Fatal("digest is not the SHA-256 of the token")
	}
	tok2, _, _ := NewToken()
	if tok == tok2 {
		t.Fatal("two tokens are equal")
	}
}

// FuzzParsePHC checks that no input panics the parser and that whatever it
// accepts is within bounds and survives re-encoding unchanged.
func FuzzParsePHC(f *testing.F) {
	for _, tt := range phcCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, salt, key, err := ParsePHC(in)
		if err != nil {
			return
		}
		if p.Memory > maxMemoryKiB || p.Iterations < 1 || p.Iterations > maxIterations ||
			p.Parallelism < 1 || p.Parallelism > maxParallelism {
			t.Fatalf("accepted out-of-bounds params %+v", p)
		}
		if len(salt) < minSaltLen || len(salt) > maxSaltLen || len(key) < minKeyLen || len(key) > maxKeyLen {
			t.Fatalf("accepted salt %d / key %d bytes", len(salt), len(key))
		}
		p2, salt2, key2, err := ParsePHC(encodePHC(p, salt, key))
		if err != nil || p2 != p || !bytes.Equal(salt, salt2) || !bytes.Equal(key, key2) {
			t.Fatalf("re-encoding changed the value: %+v %v", p2, err)
		}
	})
}
