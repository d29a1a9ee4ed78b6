package token_test

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/redis-session/redis-session-go/internal/token"
)

func TestNewTokensAreValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		tok := token.New()
		assert.Len(t, tok, token.Len)
		assert.True(t, token.Valid(tok), tok)
		assert.False(t, seen[tok])
		seen[tok] = true
	}
}

func TestScsHashedTokensAreValid(t *testing.T) {
	sum := sha256.Sum256([]byte("any cookie value"))
	assert.True(t, token.Valid(base64.RawURLEncoding.EncodeToString(sum[:])))
}

func TestInvalidTokens(t *testing.T) {
	good := token.New()
	bad := []string{
		"", "example", "session_token", good[:42], good + "A", strings.Repeat("A", 3000),
		"../../../../../../../../../../../../etc/passwd", good[:42] + "=", good[:40] + "*?[",
		good[:42] + "B", // the 43rd character carries 4 bits: B is not one of the 16 valid ones
		strings.Repeat("+", 43), strings.Repeat("/", 43), good[:20] + " " + good[21:],
	}
	for _, s := range bad {
		assert.False(t, token.Valid(s), "%q", s)
	}
}

func FuzzValid(f *testing.F) {
	f.Add(token.New())
	f.Add("abc:def*?[x]")
	f.Fuzz(func(t *testing.T, s string) {
		if !token.Valid(s) {
			return
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil || len(b) != 32 || base64.RawURLEncoding.EncodeToString(b) != s {
			t.Fatalf("accepted %q", s)
		}
	})
}
