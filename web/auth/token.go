package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// TokenBytes is the entropy of a session token.
const TokenBytes = 32

// NewToken returns a random session token for the cookie and its SHA-256
// digest for the store. The store never sees the token itself, so a leaked
// database cannot be replayed as cookies.
func NewToken() (token string, digest []byte, err error) {
	raw := make([]byte, TokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("auth: read token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(raw)
	return token, HashToken(token), nil
}

// HashToken is the digest under which a token's session is stored.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
