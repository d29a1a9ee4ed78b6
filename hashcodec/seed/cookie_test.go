package seed_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec/seed"
)

// Vectors made by Tornado 6.2's create_signed_value with this secret at
// this time.
const (
	secret   = "0123456789abcdef-test-secret"
	signedAt = 1764100567
	id       = "0d9b2c7e-7a1e-4c1b-9a55-3f1c2d4e5f60c3b1a2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"

	tornadoV2 = "2|1:0|10:1764100567|10:session-id|96:MGQ5YjJjN2UtN2ExZS00YzFiLTlhNTUtM2YxYzJkNGU1ZjYwYzNiMWEyZDQtNWU2Zi00YTdiLThjOWQtMGUxZjJhM2I0YzVk|e2f105826ccf098c18ce156a6889f4b9285e548fea22623ed40a46c3fd2acf12"
	// key_version=7 of the dict {0: "old", 7: secret}
	tornadoV2Key7 = "2|1:7|10:1764100567|10:session-id|96:MGQ5YjJjN2UtN2ExZS00YzFiLTlhNTUtM2YxYzJkNGU1ZjYwYzNiMWEyZDQtNWU2Zi00YTdiLThjOWQtMGUxZjJhM2I0YzVk|16ba2cdd016b983a95c26a847f4192ca8964a4b59b27b926bd8d5bf01369c56c"
	tornadoV1     = "MGQ5YjJjN2UtN2ExZS00YzFiLTlhNTUtM2YxYzJkNGU1ZjYwYzNiMWEyZDQtNWU2Zi00YTdiLThjOWQtMGUxZjJhM2I0YzVk|1764100567|33471440fb0cdfd2f188d9865782ffca81b8051d"
	tornadoShort  = "2|1:0|10:1764100567|10:session-id|4:YQ==|0ce4d74ffb4a710407295f271cc260a59e59fe6598e09241474d91fbc7cb439a"
)

var (
	key  = []byte(secret)
	then = time.Unix(signedAt, 0)
)

func TestVerifyReadsWhatTornadoSigns(t *testing.T) {
	got, err := seed.VerifyTornadoCookie(key, "session-id", tornadoV2, 0, then.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, id, got)

	got, err = seed.VerifyTornadoCookie(key, "session-id", tornadoShort, 0, then)
	require.NoError(t, err)
	assert.Equal(t, "a", got, "padded base64")

	got, err = seed.VerifyTornadoCookie(key, "session-id", tornadoV2Key7, 0, then)
	require.NoError(t, err, "with a single secret any key version is accepted, as in Tornado")
	assert.Equal(t, id, got)
}

func TestSignWritesWhatTornadoWrites(t *testing.T) {
	got, err := seed.SignTornadoCookie(key, "session-id", id, then)
	require.NoError(t, err)
	assert.Equal(t, tornadoV2, got)
	got, err = seed.SignTornadoCookie(key, "session-id", "a", then.Add(999*time.Millisecond))
	require.NoError(t, err)
	assert.Equal(t, tornadoShort, got, "Tornado truncates the time to seconds")

	_, err = seed.SignTornadoCookie(nil, "session-id", id, then)
	assert.ErrorIs(t, err, seed.ErrNoSecret)
	for _, name := range []string{"", "a b", "a;b", "a=b", "sessión"} {
		_, err = seed.SignTornadoCookie(key, name, id, then)
		assert.Error(t, err, "%q", name)
	}
}

func TestVerifyWithSecretsByKeyVersion(t *testing.T) {
	keys := map[int][]byte{0: []byte("old"), 7: key}
	got, err := seed.VerifyTornadoCookieKeys(keys, "session-id", tornadoV2Key7, 0, then)
	require.NoError(t, err)
	assert.Equal(t, id, got)

	_, err = seed.VerifyTornadoCookieKeys(keys, "session-id", tornadoV2, 0, then)
	assert.ErrorIs(t, err, seed.ErrSignature, "version 0 is signed with the old secret")
	_, err = seed.VerifyTornadoCookieKeys(map[int][]byte{0: key}, "session-id", tornadoV2Key7, 0, then)
	assert.ErrorIs(t, err, seed.ErrSignature, "no secret for version 7")
	_, err = seed.VerifyTornadoCookieKeys(map[int][]byte{7: {}}, "session-id", tornadoV2Key7, 0, then)
	assert.ErrorIs(t, err, seed.ErrSignature, "an empty secret signs nothing")
	_, err = seed.VerifyTornadoCookieKeys(nil, "session-id", tornadoV2Key7, 0, then)
	assert.ErrorIs(t, err, seed.ErrNoSecret)
}

func TestVerifyAge(t *testing.T) {
	cases := []struct {
		now    time.Time
		maxAge time.Duration
		want   error
	}{
		{then.Add(seed.DefaultMaxAge), 0, nil},
		{then.Add(seed.DefaultMaxAge + time.Second), 0, seed.ErrExpired},
		{then.Add(31*24*time.Hour + time.Second), -1, seed.ErrExpired}, // no way to turn the limit off
		{then.Add(time.Hour), time.Hour, nil},
		{then.Add(time.Hour + time.Nanosecond), time.Hour, seed.ErrExpired},
		{then.Add(-seed.MaxClockSkew), 0, nil},
		{then.Add(-seed.MaxClockSkew - time.Second), 0, seed.ErrFuture},
		{time.Unix(0, 0), 0, seed.ErrFuture},
	}
	for _, tc := range cases {
		_, err := seed.VerifyTornadoCookie(key, "session-id", tornadoV2, tc.maxAge, tc.now)
		if tc.want == nil {
			assert.NoError(t, err, "now %v max age %v", tc.now, tc.maxAge)
			continue
		}
		assert.ErrorIs(t, err, tc.want, "now %v max age %v", tc.now, tc.maxAge)
		assert.ErrorIs(t, err, seed.ErrInvalidCookie)
	}
	// Far-off times neither overflow nor pass.
	for _, ts := range []string{"999999999999999999", "0"} {
		v := resign("2|1:0|" + field(ts) + field("session-id") + field("YQ=="))
		_, err := seed.VerifyTornadoCookie(key, "session-id", v, 0, then)
		assert.ErrorIs(t, err, seed.ErrInvalidCookie, ts)
	}
}

func TestVerifyRefusesAnotherCookiesValue(t *testing.T) {
	other, err := seed.SignTornadoCookie(key, "user", id, then)
	require.NoError(t, err)
	_, err = seed.VerifyTornadoCookie(key, "session-id", other, 0, then)
	assert.ErrorIs(t, err, seed.ErrName, "a value signed for another cookie is not a session cookie")
	assert.ErrorIs(t, err, seed.ErrInvalidCookie)

	// The name is length-prefixed, so it cannot borrow from its neighbours.
	for _, v := range []string{
		resign("2|1:0|10:1764100567|12:session-id|9|96:" + tornadoV2[37:133] + "|"),
		resign("2|1:0|10:1764100567|11:session-id||96:" + tornadoV2[37:133] + "|"),
	} {
		_, err = seed.VerifyTornadoCookie(key, "session-id", v, 0, then)
		assert.ErrorIs(t, err, seed.ErrInvalidCookie, v)
	}
}

func TestVerifyRefusesOtherVersions(t *testing.T) {
	_, err := seed.VerifyTornadoCookie(key, "session-id", tornadoV1, 0, then)
	assert.ErrorIs(t, err, seed.ErrVersion, "version 1, which Tornado still accepts by default")
	assert.ErrorContains(t, err, "version 1")
	for _, v := range []string{"3|1:0|...", "1|abc", "999|x"} {
		_, err = seed.VerifyTornadoCookie(key, "session-id", v, 0, then)
		assert.ErrorIs(t, err, seed.ErrVersion, v)
	}
}

// Nothing but the exact bytes Tornado writes passes, even with a valid
// signature over them.
func TestVerifyIsStrict(t *testing.T) {
	b64 := "YQ=="
	for name, v := range map[string]string{
		"leading zero in a length":   resign("2|1:0|010:1764100567|10:session-id|4:" + b64 + "|"),
		"signed length":              resign("2|1:0|+10:1764100567|10:session-id|4:" + b64 + "|"),
		"spaces around a length":     resign("2|1:0| 10:1764100567|10:session-id|4:" + b64 + "|"),
		"length past the end":        resign("2|1:0|10:1764100567|10:session-id|4000:" + b64 + "|"),
		"five-digit length":          resign("2|1:0|10:1764100567|10:session-id|00004:" + b64 + "|"),
		"length too short":           resign("2|1:0|9:1764100567|10:session-id|4:" + b64 + "|"),
		"key version with a zero":    resign("2|2:00|10:1764100567|10:session-id|4:" + b64 + "|"),
		"negative key version":       resign("2|2:-1|10:1764100567|10:session-id|4:" + b64 + "|"),
		"timestamp with a sign":      resign("2|1:0|11:+1764100567|10:session-id|4:" + b64 + "|"),
		"timestamp with a fraction":  resign("2|1:0|12:1764100567.5|10:session-id|4:" + b64 + "|"),
		"timestamp with underscores": resign("2|1:0|11:1764_100567|10:session-id|4:" + b64 + "|"),
		"base64 without padding":     resign("2|1:0|10:1764100567|10:session-id|2:YQ|"),
		"base64 with junk":           resign("2|1:0|10:1764100567|10:session-id|5:YQ==*|"),
		"url-safe base64":            resign("2|1:0|10:1764100567|10:session-id|4:-_-_|"),
		"uppercase signature":        strings.ToUpper(tornadoShort[:len(tornadoShort)-64]) + strings.ToUpper(tornadoShort[len(tornadoShort)-64:]),
		"signature with extra byte":  tornadoShort + "0",
		"signature cut short":        tornadoShort[:len(tornadoShort)-1],
		"missing field":              resign("2|1:0|10:1764100567|4:" + b64 + "|"),
		"no separator after a field": "2|1:0|10:1764100567|10:session-id|4:YQ==x" + strings.Repeat("0", 64),
		"empty":                      "2|",
		"just the version":           "2",
		"garbage":                    "not a cookie",
		"oversized":                  resign("2|1:0|10:1764100567|10:session-id|4096:" + strings.Repeat("A", 4096) + "|"),
	} {
		_, err := seed.VerifyTornadoCookie(key, "session-id", v, 0, then)
		assert.ErrorIs(t, err, seed.ErrInvalidCookie, name)
		assert.NotErrorIs(t, err, seed.ErrSignature, "%s: refused before the MAC", name)
	}
}

// Flipping any byte of a valid value, or cutting it anywhere, never gives
// an accepted value.
func TestVerifyRefusesEveryTamperedValue(t *testing.T) {
	for i := 0; i < len(tornadoV2); i++ {
		for _, delta := range []byte{1, 0x20, 0x80} {
			b := []byte(tornadoV2)
			b[i] ^= delta
			_, err := seed.VerifyTornadoCookie(key, "session-id", string(b), 0, then)
			require.ErrorIs(t, err, seed.ErrInvalidCookie, "byte %d ^ %#x", i, delta)
		}
		_, err := seed.VerifyTornadoCookie(key, "session-id", tornadoV2[:i], 0, then)
		require.Error(t, err, "cut at %d", i)
	}
	_, err := seed.VerifyTornadoCookie([]byte("another secret"), "session-id", tornadoV2, 0, then)
	assert.ErrorIs(t, err, seed.ErrSignature)
	_, err = seed.VerifyTornadoCookie(nil, "session-id", tornadoV2, 0, then)
	assert.ErrorIs(t, err, seed.ErrNoSecret)
	assert.NotErrorIs(t, err, seed.ErrInvalidCookie, "a configuration error, not a bad cookie")
}

func TestValidID(t *testing.T) {
	assert.True(t, seed.ValidID(id))
	assert.True(t, seed.ValidID(strings.Repeat("00000000-0000-0000-0000-000000000000", 2)))
	for _, bad := range []string{
		"", id[:71], id + "0", strings.ToUpper(id),
		id[:36] + "-" + id[36:71],    // hyphen moved
		id[:8] + "x" + id[9:],        // hyphen replaced
		id[:10] + "g" + id[11:],      // not hex
		id[:36] + "{" + id[37:],      // brace: Redis Cluster hash tag
		id[:40] + ":" + id[41:],      // key separator
		"../../etc/passwd" + id[16:], // path-ish
		id[:36] + "\x00" + id[37:],   // NUL
		"0d9b2c7e7a1e4c1b9a553f1c2d4e5f60c3b1a2d45e6f4a7b8c9d0e1f2a3b4c5d00000000", // no hyphens
	} {
		assert.False(t, seed.ValidID(bad), "%q", bad)
	}
}

// field is a length-prefixed field of a version 2 value.
func field(s string) string { return strconv.Itoa(len(s)) + ":" + s + "|" }

// resign appends a valid signature to signed, as only the secret's holder
// can: it shows that the parser, not the MAC, refuses a value.
func resign(signed string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return signed + hex.EncodeToString(m.Sum(nil))
}
