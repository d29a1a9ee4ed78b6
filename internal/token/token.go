// Package token generates and validates the session tokens both stores use:
// 32 random bytes from crypto/rand in unpadded base64url, 43 characters,
// exactly the format of scs's own tokens (and of scs's HashTokenInStore
// hashes).
package token

import (
	"crypto/rand"
	"encoding/base64"
)

// Len is the length of a token in characters.
const Len = 43

var strict = base64.RawURLEncoding.Strict()

// Valid reports whether s is a well-formed token: 43 characters of unpadded
// base64url that decode strictly to 32 bytes. Anything else (junk cookies,
// path tricks, glob characters, oversized values) is invalid and must never
// reach a Redis key name.
func Valid(s string) bool {
	if len(s) != Len {
		return false
	}
	var buf [32]byte
	n, err := strict.Decode(buf[:], []byte(s))
	return err == nil && n == 32
}

// New returns a fresh token with 256 bits of entropy.
func New() string {
	var b [32]byte
	// crypto/rand.Read never returns an error on supported platforms (Go 1.24+).
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
