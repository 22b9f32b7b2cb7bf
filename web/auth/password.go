package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Parameters for new hashes. 64 MiB and three passes cost roughly 100 ms on
// one core, which is unnoticeable at login and expensive for an attacker
// holding a stolen table.
const (
	memoryKiB   = 64 * 1024
	iterations  = 3
	parallelism = 2
	saltLen     = 16
	keyLen      = 32
)

// Bounds on what VerifyPassword accepts. A stored hash is trusted data, but
// an absurd m or t in a corrupted row must not let one login exhaust the
// cloud's memory or CPU.
const (
	maxMemoryKiB   = 1024 * 1024 // 1 GiB
	maxIterations  = 16
	maxParallelism = 16
	minSaltLen     = 8
	maxSaltLen     = 64
	minKeyLen      = 16
	maxKeyLen      = 64
)

// ErrMalformedHash means a stored password hash is not an argon2id PHC
// string this package can verify.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// Params are the argon2id parameters recorded in a PHC string.
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
}

// HashPassword returns the argon2id PHC string for password with a fresh
// random salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: read salt: %w", err)
	}
	p := Params{Memory: memoryKiB, Iterations: iterations, Parallelism: parallelism}
	key := idKey(password, salt, p, keyLen)
	return encodePHC(p, salt, key), nil
}

// VerifyPassword reports whether password matches the PHC string encoded.
// It returns ErrMalformedHash (wrapped) when encoded cannot be parsed; a
// wrong password is (false, nil). The comparison is constant-time.
func VerifyPassword(encoded, password string) (bool, error) {
	p, salt, want, err := ParsePHC(encoded)
	if err != nil {
		return false, err
	}
	got := idKey(password, salt, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// ParsePHC splits an argon2id PHC string into its parameters, salt and key,
// rejecting other algorithms, other versions and parameters outside the
// bounds above.
func ParsePHC(encoded string) (Params, []byte, []byte, error) {
	// "$argon2id$v=19$m=..,t=..,p=..$salt$hash" splits into a leading empty
	// field and five parts.
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return Params{}, nil, nil, fmt.Errorf("%w: want 5 $-separated fields", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return Params{}, nil, nil, fmt.Errorf("%w: algorithm %q", ErrMalformedHash, parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, fmt.Errorf("%w: version %q", ErrMalformedHash, parts[2])
	}
	p, err := parseParams(parts[3])
	if err != nil {
		return Params{}, nil, nil, err
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: salt: %v", ErrMalformedHash, err)
	}
	if len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return Params{}, nil, nil, fmt.Errorf("%w: salt length %d", ErrMalformedHash, len(salt))
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: hash: %v", ErrMalformedHash, err)
	}
	if len(key) < minKeyLen || len(key) > maxKeyLen {
		return Params{}, nil, nil, fmt.Errorf("%w: hash length %d", ErrMalformedHash, len(key))
	}
	return p, salt, key, nil
}

// parseParams reads "m=65536,t=3,p=2". All three are required, in this
// order, as every common implementation writes them.
func parseParams(s string) (Params, error) {
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return Params{}, fmt.Errorf("%w: parameters %q", ErrMalformedHash, s)
	}
	var vals [3]uint64
	for i, name := range [3]string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(fields[i], name+"=")
		if !ok {
			return Params{}, fmt.Errorf("%w: parameter %d is not %s", ErrMalformedHash, i, name)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, fmt.Errorf("%w: parameter %s: %v", ErrMalformedHash, name, err)
		}
		vals[i] = n
	}
	m, t, p := vals[0], vals[1], vals[2]
	switch {
	case t < 1 || t > maxIterations:
		return Params{}, fmt.Errorf("%w: t=%d out of range", ErrMalformedHash, t)
	case p < 1 || p > maxParallelism:
		return Params{}, fmt.Errorf("%w: p=%d out of range", ErrMalformedHash, p)
	case m < 8*p || m > maxMemoryKiB: // argon2 needs at least 8 KiB per lane
		return Params{}, fmt.Errorf("%w: m=%d out of range", ErrMalformedHash, m)
	}
	return Params{Memory: uint32(m), Iterations: uint32(t), Parallelism: uint8(p)}, nil
}

func idKey(password string, salt []byte, p Params, n uint32) []byte {
	return argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, n)
}
