package hashcodec_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
)

func present(raw string) hashcodec.Field {
	return hashcodec.NewField("f", []byte(raw), hashcodec.TypeString, true)
}

// The table follows Python 3's int() on bytes, which redis_session's .int uses.
func TestIntReadsLikePython(t *testing.T) {
	ok := map[string]int64{
		"42": 42, " 42 ": 42, "\t-7\n": -7, "+7": 7, "007": 7, "4_2": 42, "1_000_000": 1000000,
		"-9223372036854775808": -9223372036854775808,
	}
	for raw, want := range ok {
		f := present(raw)
		n, err := f.Int64E()
		require.NoError(t, err, "%q", raw)
		assert.Equal(t, want, n, "%q", raw)
		assert.Equal(t, int(want), f.Int(), "%q", raw)
	}
	bad := []string{"", " ", "42.0", "0x10", "True", "4__2", "_42", "42_", "+-4", "4 2", "٣", "1e3",
		"99999999999999999999"} // Python parses the last one; it does not fit an int64
	for _, raw := range bad {
		f := present(raw)
		_, err := f.Int64E()
		assert.ErrorIs(t, err, hashcodec.ErrUnparsable, "%q", raw)
		assert.Zero(t, f.Int64(), "%q falls back to 0", raw)
		assert.Zero(t, f.Int(), "%q falls back to 0", raw)
		assert.False(t, f.IsNil())
		assert.NoError(t, f.Err())
	}
}

func TestBoolReadsPythonAndGoSpellings(t *testing.T) {
	for _, raw := range []string{"True", "true", "TRUE", "1", "t", "T"} {
		b, err := present(raw).BoolE()
		require.NoError(t, err, "%q", raw)
		assert.True(t, b, "%q", raw)
	}
	for _, raw := range []string{"False", "false", "0", "f"} {
		b, err := present(raw).BoolE()
		require.NoError(t, err, "%q", raw)
		assert.False(t, b, "%q", raw)
	}
	for _, raw := range []string{"yes", " True", "None", ""} {
		f := present(raw)
		_, err := f.BoolE()
		assert.ErrorIs(t, err, hashcodec.ErrUnparsable, "%q", raw)
		assert.False(t, f.Bool(), "%q falls back to false", raw)
	}
}

func TestFloat64(t *testing.T) {
	assert.Equal(t, 1.5, present("1.5").Float64())
	assert.Equal(t, 42.0, present(" 42 ").Float64())
	assert.Equal(t, 1e20, present("1e+20").Float64())
	_, err := present("1,5").Float64E()
	assert.ErrorIs(t, err, hashcodec.ErrUnparsable)
}

func TestJSON(t *testing.T) {
	var m map[string]any
	require.NoError(t, present(`{"a":[1,2]}`).JSON(&m))
	assert.Equal(t, map[string]any{"a": []any{1.0, 2.0}}, m)

	var n int
	require.NoError(t, present("\xef\xbb\xbf42").JSON(&n), "a UTF-8 BOM is skipped like Python does")
	assert.Equal(t, 42, n)

	var s *string
	require.NoError(t, present("null").JSON(&s))
	assert.Nil(t, s)

	m = map[string]any{"kept": true}
	err := present("{'a': 1}").JSON(&m)
	assert.ErrorIs(t, err, hashcodec.ErrUnparsable, "a Python repr is not JSON")
	assert.Contains(t, err.Error(), `field "f"`)
}

func TestMissingFailedAndUnparsableAreDistinct(t *testing.T) {
	missing := hashcodec.NewField("count", nil, "", false)
	assert.True(t, missing.IsNil())
	assert.NoError(t, missing.Err())
	assert.Nil(t, missing.Raw())
	assert.Equal(t, "", missing.String())
	assert.Equal(t, 0, missing.Int())
	assert.False(t, missing.Bool())
	_, err := missing.IntE()
	assert.ErrorIs(t, err, hashcodec.ErrMissing)
	var v map[string]any
	assert.ErrorIs(t, missing.JSON(&v), hashcodec.ErrMissing)
	assert.Nil(t, v, "JSON leaves v untouched when missing")
	_, err = missing.Value()
	assert.ErrorIs(t, err, hashcodec.ErrMissing)

	empty := present("")
	assert.False(t, empty.IsNil(), "an empty value exists")
	assert.Equal(t, []byte{}, empty.Raw())

	unparsable := present("abc")
	_, err = unparsable.IntE()
	assert.ErrorIs(t, err, hashcodec.ErrUnparsable)
	assert.NotErrorIs(t, err, hashcodec.ErrMissing)
	var fe *hashcodec.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "f", fe.Field)
}

func TestValueAndStringOfTypedFields(t *testing.T) {
	raw, typ, err := hashcodec.Encode(profile{Name: "ada"})
	require.NoError(t, err)
	f := hashcodec.NewField("who", raw, typ, true)
	v, err := f.Value()
	require.NoError(t, err)
	assert.Equal(t, profile{Name: "ada"}, v)
	assert.Equal(t, "", f.String(), "binary gob is not shown as text")
	_, err = f.StringE()
	assert.ErrorIs(t, err, hashcodec.ErrUnparsable)

	corrupt := hashcodec.NewField("n", []byte("abc"), hashcodec.TypeInt, true)
	_, err = corrupt.Value()
	assert.ErrorIs(t, err, hashcodec.ErrCorrupt)
	assert.Contains(t, err.Error(), `field "n"`)

	foreign := hashcodec.NewField("n", []byte("42"), hashcodec.TypeString, true)
	v, err = foreign.Value()
	require.NoError(t, err)
	assert.Equal(t, "42", v, "a value without a recorded type is a string")
	assert.Equal(t, 42, foreign.Int(), "but converts on request")
}

func TestFieldErrorUnwraps(t *testing.T) {
	err := error(&hashcodec.FieldError{Field: "x", Err: hashcodec.ErrCorrupt})
	assert.True(t, errors.Is(err, hashcodec.ErrCorrupt))
	assert.Equal(t, `field "x": hashcodec: stored value is corrupt`, err.Error())
}

// Python's int() has no size limit, so a Python app can store integers no
// Go integer holds: they are out of range, not garbage.
func TestIntegersBeyondInt64AreOutOfRange(t *testing.T) {
	for _, raw := range []string{"99999999999999999999", "-9223372036854775809", " 9_223_372_036_854_775_808 "} {
		f := present(raw)
		_, err := f.Int64E()
		require.ErrorIs(t, err, hashcodec.ErrOutOfRange, "%q", raw)
		assert.ErrorIs(t, err, hashcodec.ErrUnparsable, "%q: out of range is a case of unparsable", raw)
		assert.Contains(t, err.Error(), `field "f": hashcodec: value out of range: `)
		assert.Contains(t, err.Error(), "does not fit int64")
		_, err = f.IntE()
		assert.ErrorIs(t, err, hashcodec.ErrOutOfRange, "%q", raw)
		assert.Zero(t, f.Int64(), "%q falls back to 0", raw)
		assert.Zero(t, f.Int(), "%q falls back to 0", raw)
		assert.False(t, f.IsNil())
		assert.NoError(t, f.Err())
	}
	_, err := present("99999999999999999999").Int64E()
	assert.EqualError(t, err, `field "f": hashcodec: value out of range: "99999999999999999999" does not fit int64`)

	for _, raw := range []string{"abc", "4__2", "42.0", ""} {
		_, err := present(raw).Int64E()
		assert.ErrorIs(t, err, hashcodec.ErrUnparsable, "%q", raw)
		assert.NotErrorIs(t, err, hashcodec.ErrOutOfRange, "%q is not a number at all", raw)
	}

	_, err = present("1e999").Float64E()
	assert.ErrorIs(t, err, hashcodec.ErrOutOfRange)
	assert.Zero(t, present("-1e999").Float64())

	assert.ErrorIs(t, hashcodec.ErrOutOfRange, hashcodec.ErrUnparsable, "the sentinel itself is a case of ErrUnparsable")
	assert.NotErrorIs(t, hashcodec.ErrUnparsable, hashcodec.ErrOutOfRange)
}
