package hashcodec_test

import (
	"encoding/gob"
	"math"
	"reflect"
	"testing"
	"time"
	_ "time/tzdata" // the tz-database zones with offsets in seconds, on any machine

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
)

type profile struct {
	Name  string
	Roles []string
}

type unregistered struct{ X int }

func init() {
	gob.Register(profile{})
	gob.Register(map[string]any{})
	gob.Register([]any{})
}

func TestEncodeDecodeRestoresExactTypes(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	cases := []struct {
		name string
		v    any
		text string // expected stored text; "" means not checked
		typ  hashcodec.Type
	}{
		{"string", "stefan", "stefan", hashcodec.TypeString},
		{"empty string", "", "", hashcodec.TypeString},
		{"bytes", []byte{0, 1, 0xff}, "\x00\x01\xff", hashcodec.TypeBytes},
		{"empty bytes", []byte{}, "", hashcodec.TypeBytes},
		{"bool true", true, "true", hashcodec.TypeBool},
		{"bool false", false, "false", hashcodec.TypeBool},
		{"int", 42, "42", hashcodec.TypeInt},
		{"negative int", -7, "-7", hashcodec.TypeInt},
		{"int8", int8(-128), "-128", hashcodec.TypeInt8},
		{"int16", int16(32767), "32767", hashcodec.TypeInt16},
		{"int32", int32(-2147483648), "-2147483648", hashcodec.TypeInt32},
		{"int64", int64(math.MinInt64), "-9223372036854775808", hashcodec.TypeInt64},
		{"uint", uint(7), "7", hashcodec.TypeUint},
		{"uint8", uint8(255), "255", hashcodec.TypeUint8},
		{"uint16", uint16(65535), "65535", hashcodec.TypeUint16},
		{"uint32", uint32(4294967295), "4294967295", hashcodec.TypeUint32},
		{"uint64", uint64(math.MaxUint64), "18446744073709551615", hashcodec.TypeUint64},
		{"float32", float32(1.1), "1.1", hashcodec.TypeFloat32},
		{"float64", 1.5, "1.5", hashcodec.TypeFloat64},
		{"float64 tiny", 5e-324, "5e-324", hashcodec.TypeFloat64},
		{"float64 inf", math.Inf(-1), "-Inf", hashcodec.TypeFloat64},
		{"duration", 90 * time.Second, "90000000000", hashcodec.TypeDuration},
		{"time utc", time.Date(2026, 11, 25, 19, 56, 7, 123456789, time.UTC), "2026-11-25T19:56:07.123456789Z", hashcodec.TypeTime},
		{"time zone", time.Date(2026, 7, 1, 8, 0, 0, 0, berlin), "2026-07-01T08:00:00+02:00", hashcodec.TypeTime},
		{"zero time", time.Time{}, "0001-01-01T00:00:00Z", hashcodec.TypeTime},
		{"time year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "", hashcodec.TypeTimeBin},
		{"nil", nil, "", hashcodec.TypeNil},
		{"registered struct", profile{Name: "ada", Roles: []string{"admin"}}, "", hashcodec.TypeGob},
		{"map", map[string]any{"sub": "42", "n": 1}, "", hashcodec.TypeGob},
		{"flashes", []any{"saved", 3}, "", hashcodec.TypeGob},
		{"complex", complex(1, 2), "", hashcodec.TypeGob},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, typ, err := hashcodec.Encode(tc.v)
			require.NoError(t, err)
			assert.Equal(t, tc.typ, typ)
			if tc.text != "" || tc.typ == hashcodec.TypeString {
				assert.Equal(t, tc.text, string(raw))
			}
			got, err := hashcodec.Decode(raw, typ)
			require.NoError(t, err)
			assert.Equal(t, reflect.TypeOf(tc.v), reflect.TypeOf(got), "exact Go type")
			if want, ok := tc.v.(time.Time); ok {
				assert.True(t, want.Equal(got.(time.Time)), "time %v != %v", want, got)
				_, wantOff := want.Zone()
				_, gotOff := got.(time.Time).Zone()
				assert.Equal(t, wantOff, gotOff, "zone offset kept")
				return
			}
			assert.Equal(t, tc.v, got)
		})
	}
}

func TestEncodeNaNAndNegativeZero(t *testing.T) {
	raw, typ, err := hashcodec.Encode(math.NaN())
	require.NoError(t, err)
	got, err := hashcodec.Decode(raw, typ)
	require.NoError(t, err)
	assert.True(t, math.IsNaN(got.(float64)))

	raw, typ, err = hashcodec.Encode(math.Copysign(0, -1))
	require.NoError(t, err)
	got, err = hashcodec.Decode(raw, typ)
	require.NoError(t, err)
	assert.True(t, math.Signbit(got.(float64)), "-0 keeps its sign")
}

func TestEncodeUnregisteredTypeFails(t *testing.T) {
	_, _, err := hashcodec.Encode(unregistered{X: 1})
	require.ErrorIs(t, err, hashcodec.ErrUnsupported)
	assert.Contains(t, err.Error(), "unregistered")

	_, _, err = hashcodec.Encode(func() {})
	require.ErrorIs(t, err, hashcodec.ErrUnsupported)
}

func TestDecodeCorruptValues(t *testing.T) {
	cases := []struct {
		raw string
		typ hashcodec.Type
	}{
		{"abc", hashcodec.TypeInt},
		{"300", hashcodec.TypeInt8},
		{"-1", hashcodec.TypeUint},
		{"1.5", hashcodec.TypeInt64},
		{"maybe", hashcodec.TypeBool},
		{"x", hashcodec.TypeFloat64},
		{"yesterday", hashcodec.TypeTime},
		{"\x01\x02", hashcodec.TypeTimeBin},
		{"\x0200000000\xff000\xfe00", hashcodec.TypeTimeBin}, // 1060122672 ns: not a nanosecond of a second
		{"not gob", hashcodec.TypeGob},
		{"x", hashcodec.TypeNil},
		{"42", hashcodec.Type("decimal128")},
	}
	for _, tc := range cases {
		_, err := hashcodec.Decode([]byte(tc.raw), tc.typ)
		assert.ErrorIs(t, err, hashcodec.ErrCorrupt, "%q as %q", tc.raw, tc.typ)
	}
}

func TestAppendEncodeReusesBuffer(t *testing.T) {
	buf := make([]byte, 0, 64)
	out, typ, err := hashcodec.AppendEncode(buf, 12345)
	require.NoError(t, err)
	assert.Equal(t, hashcodec.TypeInt, typ)
	assert.Equal(t, "12345", string(out))
	assert.Equal(t, &buf[:1][0], &out[:1][0], "appended in place")
}

// A zone offset with seconds (every tz-database zone before about 1900-1940
// has one) cannot be written in RFC 3339: the instant and the offset must
// still come back exactly, as text where text can hold them.
func TestTimeKeepsItsInstantAndOffsetExactly(t *testing.T) {
	amsterdam, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	london, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	cases := []struct {
		name string
		v    time.Time
		text string // expected stored text; "" for the binary form
		typ  hashcodec.Type
	}{
		{"fixed +00:19:32", time.Date(2026, 11, 25, 12, 0, 0, 5, time.FixedZone("x", 1172)),
			"2026-11-25T12:00:00.000000005+00:19:32", hashcodec.TypeTime},
		{"Amsterdam 1900", time.Date(1900, 1, 1, 12, 0, 0, 0, amsterdam), "1900-01-01T12:00:00+00:19:32", hashcodec.TypeTime},
		{"London 1800", time.Date(1800, 6, 1, 0, 0, 0, 0, london), "1800-06-01T00:00:00-00:01:15", hashcodec.TypeTime},
		{"fixed -00:00:01", time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", -1)), "2000-01-01T00:00:00-00:00:01", hashcodec.TypeTime},
		{"fixed +23:59:59", time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 86399)), "2000-01-01T00:00:00+23:59:59", hashcodec.TypeTime},
		{"whole minutes stay RFC 3339", time.Date(2026, 7, 1, 8, 0, 0, 0, amsterdam), "2026-07-01T08:00:00+02:00", hashcodec.TypeTime},
		{"offset of a day", time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 86400)), "", hashcodec.TypeTimeBin},
		{"offset of 100 hours", time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 100*3600)), "", hashcodec.TypeTimeBin},
		{"year 10000, offset with seconds", time.Date(10000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 1172)), "", hashcodec.TypeTimeBin},
		{"year -1, negative offset with seconds", time.Date(-1, 1, 1, 0, 0, 0, 0, time.FixedZone("x", -1172)), "", hashcodec.TypeTimeBin},
		{"year 10000, offset -00:00:30", time.Date(10000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", -30)), "", hashcodec.TypeTimeBin},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, typ, err := hashcodec.Encode(tc.v)
			require.NoError(t, err)
			assert.Equal(t, tc.typ, typ)
			if tc.text != "" {
				assert.Equal(t, tc.text, string(raw))
			}
			v, err := hashcodec.Decode(raw, typ)
			require.NoError(t, err)
			got := v.(time.Time)
			assert.True(t, tc.v.Equal(got), "instant: wrote %v, read %v (%v off)", tc.v, got, got.Sub(tc.v))
			_, wantOff := tc.v.Zone()
			_, gotOff := got.Zone()
			assert.Equal(t, wantOff, gotOff, "zone offset")
		})
	}
}

// Go's binary form has no room for offsets from -60 to -119 seconds (-1
// minute marks UTC there) nor beyond ±546 hours: such a time outside years
// 0-9999 is stored in UTC, so that at least its instant is exact.
func TestTimeTheBinaryFormCannotZoneKeepsItsInstant(t *testing.T) {
	for _, offset := range []int{-60, -90, -119, 600 * 3600, -600 * 3600} {
		v := time.Date(12000, 3, 4, 5, 6, 7, 8, time.FixedZone("x", offset))
		raw, typ, err := hashcodec.Encode(v)
		require.NoError(t, err, "offset %d", offset)
		assert.Equal(t, hashcodec.TypeTimeBin, typ)
		got, err := hashcodec.Decode(raw, typ)
		require.NoError(t, err)
		assert.True(t, v.Equal(got.(time.Time)), "offset %d: wrote %v, read %v", offset, v, got)
	}
}

// What earlier versions wrote still reads: RFC 3339 text and the binary
// form of years outside 0-9999.
func TestTimeReadsWhatEarlierVersionsWrote(t *testing.T) {
	got, err := hashcodec.Decode("2026-11-25T19:56:07.123456789+01:00", hashcodec.TypeTime)
	require.NoError(t, err)
	want := time.Date(2026, 11, 25, 18, 56, 7, 123456789, time.UTC)
	assert.True(t, want.Equal(got.(time.Time)))
	_, off := got.(time.Time).Zone()
	assert.Equal(t, 3600, off)

	old, err := time.Date(10000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)).MarshalBinary()
	require.NoError(t, err)
	got, err = hashcodec.Decode(old, hashcodec.TypeTimeBin)
	require.NoError(t, err)
	assert.Equal(t, 10000, got.(time.Time).Year())

	for _, bad := range []string{"2026-11-25T19:56:07+00:19:3", "2026-11-25T19:56:07+0019", "1900-01-01T12:00:00+00:19:32x"} {
		_, err := hashcodec.Decode(bad, hashcodec.TypeTime)
		assert.ErrorIs(t, err, hashcodec.ErrCorrupt, "%q", bad)
	}
}
