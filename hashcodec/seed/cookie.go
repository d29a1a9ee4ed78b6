package seed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxAge is how old a signed cookie may be: Tornado's default
// max_age_days of 31.
const DefaultMaxAge = 31 * 24 * time.Hour

// MaxClockSkew is how far in the future a signature's time may lie before
// it is refused (ErrFuture): room for the signing server's clock to run
// ahead, and no more, so that a future date cannot stretch the maximum
// age. Tornado does not check this for version 2 values.
const MaxClockSkew = 5 * time.Minute

// MaxCookieSize is the longest cookie value looked at, the size browsers
// keep for a cookie. A seed cookie is about 170 bytes.
const MaxCookieSize = 4096

// VerifyTornadoCookie checks value, the content of the cookie called name,
// as a Tornado signed value of version 2 (what set_secure_cookie, renamed
// set_signed_cookie in Tornado 6.3, writes):
//
//	2|1:<key version>|<n>:<unix time>|<n>:<name>|<n>:<base64 value>|<hex HMAC-SHA256>
//
// where each <n> is the byte length of the field after it and the HMAC,
// keyed with secret, covers everything before it, the last "|" included.
// It returns the value that was signed.
//
// The value is accepted only when it is exactly what Tornado writes, which
// is stricter than what Tornado's own reader lets through: lengths and
// numbers in plain decimal without leading zeros, padded standard base64,
// a lowercase hex signature compared in constant time, the name field
// equal to name (so a value signed for another cookie cannot be replayed
// as this one), a time no older than maxAge (DefaultMaxAge when maxAge <=
// 0; the limit cannot be turned off) and no more than MaxClockSkew ahead
// of now. Any key version is accepted, as Tornado does with a single
// secret. Version 1 values are refused (ErrVersion): see the package
// documentation.
//
// Errors match ErrInvalidCookie and say why (ErrMalformed, ErrVersion,
// ErrSignature, ErrName, ErrExpired, ErrFuture); an empty secret gives
// ErrNoSecret. It never panics, whatever value holds.
func VerifyTornadoCookie(secret []byte, name, value string, maxAge time.Duration, now time.Time) (string, error) {
	if len(secret) == 0 {
		return "", ErrNoSecret
	}
	return verify(func(int) []byte { return secret }, name, value, maxAge, now)
}

// VerifyTornadoCookieKeys is VerifyTornadoCookie for a Tornado app whose
// cookie_secret is a dict of secrets by key version (key rotation): the
// value's key version selects the secret, and a version without one (or
// with an empty one) gives ErrSignature.
func VerifyTornadoCookieKeys(secrets map[int][]byte, name, value string, maxAge time.Duration, now time.Time) (string, error) {
	if len(secrets) == 0 {
		return "", ErrNoSecret
	}
	return verify(func(v int) []byte { return secrets[v] }, name, value, maxAge, now)
}

// SignTornadoCookie signs value for the cookie called name as Tornado's
// set_secure_cookie does at time now, with key version 0, so that a
// Tornado app with the same secret reads it with get_secure_cookie. name
// must be a cookie name (an RFC 6265 token), secret non-empty and now
// after 1970.
func SignTornadoCookie(secret []byte, name, value string, now time.Time) (string, error) {
	if len(secret) == 0 {
		return "", ErrNoSecret
	}
	if !isToken(name) {
		return "", fmt.Errorf("seed: %q is not a cookie name", name)
	}
	unix := now.Unix()
	if unix < 0 || unix > maxUnix {
		return "", fmt.Errorf("seed: cannot sign at %v", now)
	}
	return sign(secret, 0, name, value, unix), nil
}

// maxUnix is the largest timestamp read: 18 digits.
const maxUnix = 999_999_999_999_999_999

func sign(secret []byte, keyVersion int, name, value string, unix int64) string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte('|')
	}
	b.WriteString("2|")
	field(strconv.Itoa(keyVersion))
	field(strconv.FormatInt(unix, 10))
	field(name)
	field(base64.StdEncoding.EncodeToString([]byte(value)))
	signed := b.String()
	return signed + mac(secret, signed)
}

func mac(secret []byte, signed string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signed))
	return hex.EncodeToString(m.Sum(nil))
}

// signedValue is a version 2 value taken apart (not yet verified).
type signedValue struct {
	keyVersion int
	unix       int64
	name       string
	value      string // base64, as signed
	signed     string // everything the signature covers
	sig        string
}

func verify(secretFor func(keyVersion int) []byte, name, value string, maxAge time.Duration, now time.Time) (string, error) {
	sv, err := parseSigned(value)
	if err != nil {
		return "", err
	}
	secret := secretFor(sv.keyVersion)
	if len(secret) == 0 {
		return "", fmt.Errorf("%w: no secret for key version %d", ErrSignature, sv.keyVersion)
	}
	if !hmac.Equal([]byte(mac(secret, sv.signed)), []byte(sv.sig)) {
		return "", ErrSignature
	}
	if sv.name != name {
		return "", fmt.Errorf("%w: signed for %q, read as %q", ErrName, sv.name, name)
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	signedAt := time.Unix(sv.unix, 0)
	if age := now.Sub(signedAt); age > maxAge {
		return "", fmt.Errorf("%w: signed %v ago, limit %v", ErrExpired, age.Truncate(time.Second), maxAge)
	}
	if ahead := signedAt.Sub(now); ahead > MaxClockSkew {
		return "", fmt.Errorf("%w: %v ahead", ErrFuture, ahead.Truncate(time.Second))
	}
	plain, err := base64.StdEncoding.Strict().DecodeString(sv.value)
	if err != nil {
		return "", fmt.Errorf("%w: value is not base64", ErrMalformed)
	}
	return string(plain), nil
}

// parseSigned takes a version 2 value apart, refusing anything Tornado
// would not have written. It looks at each byte at most a few times and
// allocates nothing but the result.
func parseSigned(v string) (signedValue, error) {
	var sv signedValue
	if len(v) > MaxCookieSize {
		return sv, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(v), MaxCookieSize)
	}
	rest, ok := strings.CutPrefix(v, "2|")
	if !ok {
		return sv, versionErr(v)
	}
	var fields [4]string
	for i := range fields {
		var err error
		if fields[i], rest, err = lengthField(rest); err != nil {
			return sv, err
		}
	}
	sv.signed, sv.sig = v[:len(v)-len(rest)], rest
	if len(sv.sig) != sha256.Size*2 || !isLowerHex(sv.sig) {
		return sv, fmt.Errorf("%w: signature is not %d lowercase hex digits", ErrMalformed, sha256.Size*2)
	}
	kv, ok := decimal(fields[0], 9)
	if !ok {
		return sv, fmt.Errorf("%w: key version %q", ErrMalformed, fields[0])
	}
	if sv.unix, ok = decimal(fields[1], len(strconv.FormatInt(maxUnix, 10))); !ok {
		return sv, fmt.Errorf("%w: timestamp %q", ErrMalformed, fields[1])
	}
	sv.keyVersion, sv.name, sv.value = int(kv), fields[2], fields[3]
	return sv, nil
}

// lengthField reads "<n>:<n bytes>|" from the start of s.
func lengthField(s string) (field, rest string, err error) {
	colon := strings.IndexByte(s, ':')
	if colon < 0 || colon > 4 { // MaxCookieSize has 4 digits
		return "", "", fmt.Errorf("%w: bad length field", ErrMalformed)
	}
	n, ok := decimal(s[:colon], 4)
	s = s[colon+1:]
	if !ok || n >= int64(len(s)) || s[n] != '|' {
		return "", "", fmt.Errorf("%w: bad length field", ErrMalformed)
	}
	return s[:n], s[n+1:], nil
}

// decimal parses 1 to max digits without a sign or leading zeros.
func decimal(s string, max int) (int64, bool) {
	if len(s) == 0 || len(s) > max || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// versionErr explains a value that does not start with "2|": another
// version number, or Tornado's version 1 ("<base64>|<time>|<hex
// HMAC-SHA1>"), or neither.
func versionErr(v string) error {
	if i := strings.IndexByte(v, '|'); i >= 1 && i <= 3 {
		if n, ok := decimal(v[:i], 3); ok && n > 0 {
			return fmt.Errorf("%w: version %d", ErrVersion, n)
		}
	}
	if parts := strings.Split(v, "|"); len(parts) == 3 && len(parts[2]) == sha1Hex && isLowerHex(parts[2]) {
		return fmt.Errorf("%w: version 1", ErrVersion)
	}
	return ErrMalformed
}

const sha1Hex = 40

// isToken reports whether s is an RFC 6265 cookie name (an RFC 2616 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}
