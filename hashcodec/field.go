package hashcodec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Field is one value read from a hash, with the conversions of Python's
// redis_session (.raw .str .int .bool .json .none) plus exact-type decoding.
//
// The plain getters (String, Int, Int64, Float64, Bool) fall back to the zero
// value like the seed does. Three cases stay distinguishable:
//   - missing: IsNil is true and Err is nil; the E variants return ErrMissing;
//   - Redis failed: IsNil is true and Err returns the failure; the E
//     variants return it too;
//   - unparsable: IsNil is false; the E variants return an error wrapping
//     ErrUnparsable.
//
// Conversions read the stored text, whatever Type was recorded: Int of a
// float field is unparsable, Float64 of an int field works. Value decodes
// the exact Go type that was written.
type Field struct {
	name string
	raw  []byte
	typ  Type
	ok   bool
	err  error
}

// NewField builds a Field from stored bytes and their recorded Type, as a
// read of field name would return it. present=false means the field does
// not exist. It is how code that already holds a hash's contents (from
// HGETALL, say) gets the same conversions.
func NewField(name string, raw []byte, t Type, present bool) Field {
	if !present {
		return Field{name: name}
	}
	if raw == nil {
		raw = []byte{}
	}
	return Field{name: name, raw: raw, typ: t, ok: true}
}

func failedField(name string, err error) Field { return Field{name: name, err: err} }

// Name returns the user key this field was read for.
func (f Field) Name() string { return f.name }

// Raw returns the stored bytes, or nil when IsNil is true.
func (f Field) Raw() []byte { return f.raw }

// Type returns the Go type recorded when the value was written; TypeString
// for values written by other programs.
func (f Field) Type() Type { return f.typ }

// IsNil reports whether there is no value: the field or the whole key does
// not exist, or the read failed (then Err is non-nil).
func (f Field) IsNil() bool { return !f.ok }

// Err returns the error of the read itself (Redis or network failure, or a
// refused key). It is nil for a missing field and for unparsable text:
// those are reported by IsNil and by the E variants.
func (f Field) Err() error { return f.err }

func (f Field) absent() error {
	if f.err != nil {
		return f.err
	}
	return fieldErr(f.name, ErrMissing)
}

func (f Field) unparsable(want string, cause error) error {
	if errors.Is(cause, strconv.ErrRange) {
		return fieldErr(f.name, fmt.Errorf("%w: %q does not fit %s", ErrOutOfRange, clip(f.raw), want))
	}
	return fieldErr(f.name, fmt.Errorf("%w: %q as %s: %v", ErrUnparsable, clip(f.raw), want, cause))
}

// clip shortens stored text quoted in error messages.
func clip(b []byte) []byte {
	if len(b) > 40 {
		return append(b[:40:40], "..."...)
	}
	return b
}

// String returns the stored text, or "" when IsNil or when the value is
// gob-encoded binary (see StringE).
func (f Field) String() string {
	s, _ := f.StringE()
	return s
}

// StringE returns the stored text. A gob-encoded value is not text and gives
// an error wrapping ErrUnparsable; use Value for it.
func (f Field) StringE() (string, error) {
	if !f.ok {
		return "", f.absent()
	}
	if f.typ == TypeGob || f.typ == TypeTimeBin {
		return "", f.unparsable("string", fmt.Errorf("value is %s-encoded", f.typ))
	}
	return string(f.raw), nil
}

// Int returns the value as an int, or 0 (see IntE).
func (f Field) Int() int {
	n, _ := f.IntE()
	return n
}

// IntE parses the stored text as a decimal integer: surrounding whitespace,
// a sign and "_" between digits are allowed, as in Python's int(). Text
// that is an integer too large for an int (Python's ints have no limit)
// gives an error wrapping ErrOutOfRange, any other text one wrapping
// ErrUnparsable (ErrOutOfRange matches that too).
func (f Field) IntE() (int, error) {
	if !f.ok {
		return 0, f.absent()
	}
	n, err := parseInt(string(f.raw), 0)
	if err != nil {
		return 0, f.unparsable("int", err)
	}
	return int(n), nil
}

// Int64 returns the value as an int64, or 0 (see Int64E).
func (f Field) Int64() int64 {
	n, _ := f.Int64E()
	return n
}

// Int64E parses the stored text as a decimal int64, like IntE:
// "99999999999999999999" gives an error wrapping ErrOutOfRange.
func (f Field) Int64E() (int64, error) {
	if !f.ok {
		return 0, f.absent()
	}
	n, err := parseInt(string(f.raw), 64)
	if err != nil {
		return 0, f.unparsable("int64", err)
	}
	return n, nil
}

// Float64 returns the value as a float64, or 0 (see Float64E).
func (f Field) Float64() float64 {
	x, _ := f.Float64E()
	return x
}

// Float64E parses the stored text as a float64 (surrounding whitespace
// allowed; "inf" and "nan" as strconv.ParseFloat reads them). A number
// beyond the float64 range ("1e999") gives an error wrapping
// ErrOutOfRange.
func (f Field) Float64E() (float64, error) {
	if !f.ok {
		return 0, f.absent()
	}
	x, err := parseFloat(string(f.raw))
	if err != nil {
		return 0, f.unparsable("float64", err)
	}
	return x, nil
}

// Bool returns the value as a bool, or false (see BoolE).
func (f Field) Bool() bool {
	b, _ := f.BoolE()
	return b
}

// BoolE parses the stored text as a bool: "True" and "False" as Python
// writes them, and every spelling strconv.ParseBool accepts ("true", "1",
// "t", ...).
func (f Field) BoolE() (bool, error) {
	if !f.ok {
		return false, f.absent()
	}
	b, err := parseBool(string(f.raw))
	if err != nil {
		return false, f.unparsable("bool", err)
	}
	return b, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// JSON unmarshals the stored text into v with encoding/json (a leading UTF-8
// byte order mark is skipped, as Python does). v is left untouched when the
// field is missing (ErrMissing) or the read failed; text that is not JSON
// gives an error wrapping ErrUnparsable.
func (f Field) JSON(v any) error {
	if !f.ok {
		return f.absent()
	}
	if err := json.Unmarshal(bytes.TrimPrefix(f.raw, utf8BOM), v); err != nil {
		return f.unparsable("JSON", err)
	}
	return nil
}

// Value decodes the value into the exact Go type it was written with (an
// int comes back as int, a registered struct as that struct). A field
// written by another program has no recorded type and comes back as a
// string. A value that does not match its recorded type gives an error
// wrapping ErrCorrupt.
func (f Field) Value() (any, error) {
	if !f.ok {
		return nil, f.absent()
	}
	v, err := Decode(f.raw, f.typ)
	return v, fieldErr(f.name, err)
}
