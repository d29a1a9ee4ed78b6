package seed_test

import (
	"testing"
	"time"

	"github.com/redis-session/redis-session-go/hashcodec/seed"
)

// FuzzVerifyTornadoCookie feeds hostile cookie values to the verifier: it
// must never panic nor accept a value it did not sign. Each input is also
// signed the proper way, which must verify to the same value, and then
// changed at one byte, which must not.
func FuzzVerifyTornadoCookie(f *testing.F) {
	for _, v := range []string{tornadoV2, tornadoV2Key7, tornadoV1, tornadoShort, "", "2|", "2|1:0|", "2|99999:",
		"2|1:0|10:1764100567|10:session-id|96:", "2|1:0|10:1764100567|10:session-id|4:YQ==|" + tornadoShort[len(tornadoShort)-64:],
		"3|x", "999|", "a|b|c", id} {
		f.Add(v, "session-id", id, int64(signedAt), uint(7))
	}
	f.Add("", "user", "", int64(0), uint(0))
	f.Add("", "x", "\x00\xff|:2|", int64(-1), uint(1000))
	f.Fuzz(func(t *testing.T, value, name, plain string, unix int64, at uint) {
		now := time.Unix(signedAt, 0)
		if got, err := seed.VerifyTornadoCookie(key, name, value, 0, now); err == nil && value != tornadoV2 &&
			value != tornadoV2Key7 && value != tornadoShort {
			t.Fatalf("accepted %q as %q: %q", value, name, got)
		}
		signedTime := time.Unix(unix%(1<<40), 0)
		signed, err := seed.SignTornadoCookie(key, name, plain, signedTime)
		if err != nil || len(signed) > seed.MaxCookieSize {
			return
		}
		got, err := seed.VerifyTornadoCookie(key, name, signed, 0, signedTime)
		if err != nil || got != plain {
			t.Fatalf("own cookie %q for %q: %q, %v", signed, plain, got, err)
		}
		b := []byte(signed)
		i := int(at % uint(len(b)))
		b[i] ^= byte(1 + at%255)
		if got, err := seed.VerifyTornadoCookie(key, name, string(b), 0, signedTime); err == nil {
			t.Fatalf("tampered %q (byte %d) accepted: %q", b, i, got)
		}
	})
}
