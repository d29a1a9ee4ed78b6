package hashcodec

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

// notIntLua is the helper the Incr script uses to refuse an increment in
// the form notIntDetail reads: notint(reason, type, delta, value), with
// value false for a missing field.
const notIntLua = `
local function notint(reason, t, delta, v)
  local size, hex = '-', ''
  if v then
    size = tostring(#v)
    hex = string.gsub(string.sub(v, 1, 40), '.', function(c) return string.format('%02x', string.byte(c)) end)
  end
  return redis.error_reply('NOTINT ' .. reason .. ' ' .. (t or '-') .. ' ' .. delta .. ' ' .. size .. ' ' .. hex)
end
`

// refuse runs notint on a real server and returns the error go-redis
// reports for it, exactly as Incr would see it.
var refuseScript = redis.NewScript(notIntLua + `
local v = ARGV[4]
if ARGV[5] == 'missing' then v = false end
return notint(ARGV[1], ARGV[2] ~= '' and ARGV[2] or nil, ARGV[3], v)
`)

// The Incr error names the field and shows the stored value, whatever its
// bytes, and still matches ErrNotInteger and *FieldError.
func TestIncrErrNamesTheStoredValue(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		reason, typ, delta, value string
		missing                   bool
		want                      string
	}{
		{"text", "", "1", "abc", false, `hashcodec: field "name": value "abc" is not an integer`},
		{"text", "int", "1", "4.5", false, `hashcodec: field "name": value "4.5" is not an integer`},
		{"type", "bool", "1", "true", false, `hashcodec: field "name": value "true" is a bool, not an integer`},
		{"type", "string", "1", "41", false, `hashcodec: field "name": value "41" is a string, not an integer`},
		{"type", "object", "1", "", false, `hashcodec: field "name": value "" is an object, not an integer`},
		{"type", "gob", "1", "\x0e\xff\x81\x03\x01\x01\x07profile", false, `hashcodec: field "name": value "\x0e\xff\x81\x03\x01\x01\aprofile" is a gob, not an integer`},
		{"text", "", "1", "line\r\nbreak ok", false, `hashcodec: field "name": value "line\r\nbreak ok" is not an integer`},
		{"text", "", "1", long, false, `hashcodec: field "name": value "` + long[:40] + `..." is not an integer`},
		{"range", "int8", "1", "127", false, `hashcodec: field "name": value "127" + 1 is out of range for int8`},
		{"range", "uint32", "-6", "5", false, `hashcodec: field "name": value "5" - 6 is out of range for uint32`},
		{"range", "int64", "-9223372036854775808", "-1", false, `hashcodec: field "name": value "-1" - 9223372036854775808 is out of range for int64`},
		{"range", "", "4611686018427387904", "4611686018427387904", false, `hashcodec: field "name": value "4611686018427387904" + 4611686018427387904 is out of range for int64`},
		{"range", "int8", "200", "", true, `hashcodec: field "name": missing value (0) + 200 is out of range for int8`},
	}
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for _, tc := range cases {
			missing := ""
			if tc.missing {
				missing = "missing"
			}
			reply := refuseScript.Run(context.Background(), b.Client, []string{b.Prefix + "k"}, tc.reason, tc.typ, tc.delta, tc.value, missing).Err()
			require.Error(t, reply)
			err := incrErr("name", b.Prefix+"k", reply)
			assert.EqualError(t, err, tc.want, "reply %q", reply)
			assert.ErrorIs(t, err, ErrNotInteger)
			assert.NotErrorIs(t, err, ErrUnparsable)
			var fe *FieldError
			if assert.ErrorAs(t, err, &fe) {
				assert.Equal(t, "name", fe.Field)
			}
		}
	})
}

// Replies in another form (those of the scripts before this one) still
// give ErrNotInteger and say what the script said; other codes keep
// their sentinels.
func TestIncrErrOtherReplies(t *testing.T) {
	for reply, want := range map[string]string{
		"NOTINT value of type bool":               `hashcodec: field "n": not an integer: value of type bool`,
		"NOTINT ERR hash value is not an integer": `hashcodec: field "n": not an integer: ERR hash value is not an integer`,
		"NOTINT result overflows int8":            `hashcodec: field "n": not an integer: result overflows int8`,
		"NOTINT text - 1 3 zz":                    `hashcodec: field "n": not an integer: text - 1 3 zz`,
		"NOTINT text - 1 2 616263":                `hashcodec: field "n": not an integer: text - 1 2 616263`,
		"NOTINT bogus - 1 1 61":                   `hashcodec: field "n": not an integer: bogus - 1 1 61`,
	} {
		err := incrErr("n", "k", errors.New(reply))
		assert.EqualError(t, err, want, "%q", reply)
		assert.ErrorIs(t, err, ErrNotInteger, "%q", reply)
	}
	err := incrErr("n", "k", errors.New("NOTFOUND"))
	assert.ErrorIs(t, err, ErrNotFound)
	assert.EqualError(t, err, `field "n": hashcodec: key does not exist: k`)
	err = incrErr("n", "k", errors.New("LIMIT 3 values, limit 2"))
	assert.ErrorIs(t, err, ErrLimit)
	assert.NotErrorIs(t, err, ErrNotInteger)
}
