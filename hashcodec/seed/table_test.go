package seed_test

import (
	"encoding/gob"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

type profile struct {
	Name  string
	Roles []string
}

func init() {
	gob.Register(profile{})
	gob.Register(map[string]any{})
}

// goValues are the values of every kind hashcodec writes, by field name.
var goValues = map[string]any{
	"string": "stefan", "string_num": "42", "bytes": []byte("raw"), "bytes_bin": []byte{0xff, 0x00, 'a'},
	"bool_true": true, "bool_false": false,
	"int": 42, "int8": int8(-8), "int16": int16(-16), "int32": int32(-32), "int64": int64(math.MinInt64),
	"uint": uint(7), "uint8": uint8(255), "uint16": uint16(65535), "uint32": uint32(4294967295), "uint64": uint64(math.MaxUint64),
	"float32": float32(1.1), "float64": 1.5, "float64_big": 1e21, "float64_nan": math.NaN(), "float64_inf": math.Inf(1),
	"time":      time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
	"time_zone": time.Date(2026, 7, 1, 8, 0, 0, 500, time.FixedZone("CEST", 7200)),
	"time_lmt":  time.Date(1900, 1, 1, 12, 0, 0, 0, time.FixedZone("AMT", 1172)),
	"time_far":  time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	"duration":  90 * time.Second,
	"nil":       nil,
	"gob":       profile{Name: "ada", Roles: []string{"admin"}},
	"gob_map":   map[string]any{"a": 1},
}

// TestWhatPythonReadsOfGoValues writes every kind of value through
// hashcodec into a session hash and into a hash without session metadata
// (one the seed wrote) and reads them back with the seed's accessors in
// Python. README-interop.md is this test's table.
func TestWhatPythonReadsOfGoValues(t *testing.T) {
	py := seedPython(t)
	srv := redistest.SharedServer(t)
	rdb := srv.Client()
	t.Cleanup(func() { _ = rdb.Close() })
	app := startSeedApp(t, py, newJarClient(t), srv.Port(), redistest.UniquePrefix()+"redis")

	session, foreign := app.Prefix+":go-session", app.Prefix+":sessions:"+id
	require.NoError(t, rdb.HSet(ctx, session, "#created", time.Now().UnixNano(), "#idle", int64(time.Hour)).Err())
	require.NoError(t, rdb.Expire(ctx, session, time.Hour).Err())
	require.NoError(t, rdb.HSet(ctx, foreign, "from_python", "1").Err())
	require.NoError(t, rdb.Expire(ctx, foreign, time.Hour).Err())
	for _, key := range []string{session, foreign} {
		require.NoError(t, hashcodec.NewHash(rdb, key).SetMulti(ctx, goValues))
	}
	const raises = "raises UnicodeDecodeError"
	text := func(raw, str, n, b, js string) accessors { return accessors{raw, "False", str, n, b, js} }
	want := map[string]accessors{ // Raw "" is not checked
		"string":      text("b'stefan'", "'stefan'", "0", "False", "{}"),
		"string_num":  text("b'42'", "'42'", "42", "False", "42"),
		"bytes":       text("b'raw'", "'raw'", "0", "False", "{}"),
		"bytes_bin":   text(`b'\xff\x00a'`, raises, "0", raises, "{}"),
		"bool_true":   text("b'true'", "'true'", "0", "False", "True"),
		"bool_false":  text("b'false'", "'false'", "0", "False", "False"),
		"int":         text("b'42'", "'42'", "42", "False", "42"),
		"int8":        text("b'-8'", "'-8'", "-8", "False", "-8"),
		"int16":       text("b'-16'", "'-16'", "-16", "False", "-16"),
		"int32":       text("b'-32'", "'-32'", "-32", "False", "-32"),
		"int64":       text("b'-9223372036854775808'", "'-9223372036854775808'", "-9223372036854775808", "False", "-9223372036854775808"),
		"uint":        text("b'7'", "'7'", "7", "False", "7"),
		"uint8":       text("b'255'", "'255'", "255", "False", "255"),
		"uint16":      text("b'65535'", "'65535'", "65535", "False", "65535"),
		"uint32":      text("b'4294967295'", "'4294967295'", "4294967295", "False", "4294967295"),
		"uint64":      text("b'18446744073709551615'", "'18446744073709551615'", "18446744073709551615", "False", "18446744073709551615"),
		"float32":     text("b'1.1'", "'1.1'", "0", "False", "1.1"),
		"float64":     text("b'1.5'", "'1.5'", "0", "False", "1.5"),
		"float64_big": text("b'1e+21'", "'1e+21'", "0", "False", "1e+21"),
		"float64_nan": text("b'NaN'", "'NaN'", "0", "False", "nan"),
		"float64_inf": text("b'+Inf'", "'+Inf'", "0", "False", "{}"),
		"time":        text("b'2026-11-25T12:00:00Z'", "'2026-11-25T12:00:00Z'", "0", "False", "{}"),
		"time_zone":   text("b'2026-07-01T08:00:00.0000005+02:00'", "'2026-07-01T08:00:00.0000005+02:00'", "0", "False", "{}"),
		"time_lmt":    text("b'1900-01-01T12:00:00+00:19:32'", "'1900-01-01T12:00:00+00:19:32'", "0", "False", "{}"),
		"time_far":    text(`b'\x01\x00\x00\x00Iw\x868\x80\x00\x00\x00\x00\xff\xff'`, raises, "0", raises, "{}"),
		"duration":    text("b'90000000000'", "'90000000000'", "90000000000", "False", "90000000000"),
		"nil":         text("b''", "''", "0", "False", "{}"),
		"gob":         text("", raises, "0", raises, "{}"),
		"gob_map":     text("", raises, "0", raises, "{}"),
	}
	// In a hash without session metadata (the seed's), Go writes bools as
	// redis-py 2.x did, so that the seed's .bool reads True.
	pythonBools := map[string]accessors{
		"bool_true":  text("b'True'", "'True'", "0", "True", "{}"),
		"bool_false": text("b'False'", "'False'", "0", "False", "{}"),
	}

	for _, hash := range []struct{ name, key string }{{"session hash", session}, {"seed hash", foreign}} {
		t.Run(hash.name, func(t *testing.T) {
			var got map[string]accessors
			require.Equal(t, http.StatusOK, app.get(t, "/inspect", url.Values{"key": {hash.key}}, &got))
			for field, w := range want {
				t.Run(field, func(t *testing.T) {
					g := got[field]
					if hash.key == foreign && pythonBools[field] != (accessors{}) {
						w = pythonBools[field]
					}
					if w.Raw == "" {
						g.Raw = ""
					}
					assert.Equal(t, w, g)
				})
			}
			if hash.key == session {
				assert.Equal(t, text("b'int'", "'int'", "0", "False", "{}"), got["#t:int"], "type fields are fields to Python")
				assert.Contains(t, got, "#created")
			} else {
				assert.NotContains(t, got, "#t:int", "no type fields in the seed's hash")
				assert.Equal(t, text("b'1'", "'1'", "1", "False", "1"), got["from_python"])
			}
		})
	}
}
