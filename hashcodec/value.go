package hashcodec

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Type names the Go type of a stored value. It is what the metadata field
// "#t:<field>" holds; a field without one is a string (TypeString).
type Type string

// The types hashcodec stores as readable text, plus gob for everything else.
const (
	TypeString   Type = ""         // stored as is; no type field is written
	TypeBytes    Type = "bytes"    // []byte, stored as is
	TypeBool     Type = "bool"     // "true" or "false"
	TypeInt      Type = "int"      // decimal text, so HINCRBY works
	TypeInt8     Type = "int8"     //
	TypeInt16    Type = "int16"    //
	TypeInt32    Type = "int32"    //
	TypeInt64    Type = "int64"    //
	TypeUint     Type = "uint"     //
	TypeUint8    Type = "uint8"    //
	TypeUint16   Type = "uint16"   //
	TypeUint32   Type = "uint32"   //
	TypeUint64   Type = "uint64"   //
	TypeFloat32  Type = "float32"  // shortest text that parses back exactly
	TypeFloat64  Type = "float64"  //
	TypeTime     Type = "time"     // RFC 3339 with nanoseconds
	TypeTimeBin  Type = "timebin"  // time.Time outside years 0-9999: MarshalBinary
	TypeDuration Type = "duration" // nanoseconds as decimal text
	TypeNil      Type = "nil"      // a nil interface value; stored as ""
	TypeGob      Type = "gob"      // any other value, gob-encoded through interface{}
)

var knownTypes = map[string]Type{}

func init() {
	for _, t := range []Type{TypeString, TypeBytes, TypeBool, TypeInt, TypeInt8, TypeInt16, TypeInt32,
		TypeInt64, TypeUint, TypeUint8, TypeUint16, TypeUint32, TypeUint64, TypeFloat32, TypeFloat64,
		TypeTime, TypeTimeBin, TypeDuration, TypeNil, TypeGob} {
		knownTypes[string(t)] = t
	}
}

// ParseType returns the Type named by b, without allocating for the types
// this package defines. Unknown names are returned as they are (Decode
// then reports them as corrupt).
func ParseType(b []byte) Type {
	if t, ok := knownTypes[string(b)]; ok {
		return t
	}
	return Type(b)
}

// integer reports whether values of t are stored as decimal integers.
func (t Type) integer() bool {
	_, ok := intBits[t]
	return ok
}

// intBits gives the size and signedness of every integer type.
var intBits = map[Type]struct {
	bits   int
	signed bool
}{
	TypeInt: {strconv.IntSize, true}, TypeInt8: {8, true}, TypeInt16: {16, true},
	TypeInt32: {32, true}, TypeInt64: {64, true}, TypeDuration: {64, true},
	TypeUint: {strconv.IntSize, false}, TypeUint8: {8, false}, TypeUint16: {16, false},
	TypeUint32: {32, false}, TypeUint64: {64, false},
}

// Encode turns a Go value into the bytes stored in a hash field and the Type
// recorded next to it. Strings and []byte are stored as they are; integers,
// floats, bools, time.Time and time.Duration as text; nil as ""; any other
// value with gob through an interface, which requires the concrete type to
// be registered with gob.Register exactly as with scs's and gorilla's
// default codecs. Decode(Encode(v)) returns a value of v's exact type.
func Encode(v any) ([]byte, Type, error) {
	return AppendEncode(nil, v)
}

// AppendEncode is Encode appending to dst, to save allocations.
func AppendEncode(dst []byte, v any) ([]byte, Type, error) {
	switch x := v.(type) {
	case string:
		return append(dst, x...), TypeString, nil
	case []byte:
		return append(dst, x...), TypeBytes, nil
	case bool:
		return strconv.AppendBool(dst, x), TypeBool, nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), TypeInt, nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), TypeInt8, nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), TypeInt16, nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), TypeInt32, nil
	case int64:
		return strconv.AppendInt(dst, x, 10), TypeInt64, nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), TypeUint, nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), TypeUint8, nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), TypeUint16, nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), TypeUint32, nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), TypeUint64, nil
	case float32:
		return strconv.AppendFloat(dst, float64(x), 'g', -1, 32), TypeFloat32, nil
	case float64:
		return strconv.AppendFloat(dst, x, 'g', -1, 64), TypeFloat64, nil
	case time.Duration:
		return strconv.AppendInt(dst, int64(x), 10), TypeDuration, nil
	case time.Time:
		if y := x.Year(); y < 0 || y > 9999 {
			b, err := x.MarshalBinary()
			if err != nil {
				return dst, "", fmt.Errorf("%w: %v", ErrUnsupported, err)
			}
			return append(dst, b...), TypeTimeBin, nil
		}
		return x.AppendFormat(dst, time.RFC3339Nano), TypeTime, nil
	case nil:
		return dst, TypeNil, nil
	}
	buf := bytes.NewBuffer(dst)
	if err := gob.NewEncoder(buf).Encode(&v); err != nil {
		return dst, "", fmt.Errorf("%w: %T: %v", ErrUnsupported, v, err)
	}
	return buf.Bytes(), TypeGob, nil
}

// Decode turns stored bytes (as a []byte or a string) and their recorded
// Type back into a Go value of the exact type Encode was given. A value
// that does not parse as its type, or an unknown Type, gives an error
// wrapping ErrCorrupt. Decoding a string value from a string does not copy.
func Decode[T ~string | ~[]byte](raw T, t Type) (any, error) {
	v, err := decode(string(raw), t)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, typeName(t), err)
	}
	return v, nil
}

func typeName(t Type) string {
	if t == TypeString {
		return "string"
	}
	return strconv.Quote(string(t))
}

func decode(raw string, t Type) (any, error) {
	switch t {
	case TypeString:
		return raw, nil
	case TypeBytes:
		return []byte(raw), nil
	case TypeBool:
		return parseBool(raw)
	case TypeFloat32:
		f, err := strconv.ParseFloat(raw, 32)
		return float32(f), err
	case TypeFloat64:
		return strconv.ParseFloat(raw, 64)
	case TypeTime:
		return time.Parse(time.RFC3339Nano, raw)
	case TypeTimeBin:
		var tm time.Time
		err := tm.UnmarshalBinary([]byte(raw))
		return tm, err
	case TypeNil:
		if len(raw) != 0 {
			return nil, fmt.Errorf("nil value holds %d bytes", len(raw))
		}
		return nil, nil
	case TypeGob:
		var v any
		if err := gob.NewDecoder(strings.NewReader(raw)).Decode(&v); err != nil {
			return nil, err
		}
		return v, nil
	}
	if t.integer() {
		return decodeInt(raw, t)
	}
	return nil, fmt.Errorf("unknown type")
}

func decodeInt(raw string, t Type) (any, error) {
	size := intBits[t]
	if size.signed {
		n, err := parseInt(raw, size.bits)
		if err != nil {
			return nil, err
		}
		switch t {
		case TypeInt:
			return int(n), nil
		case TypeInt8:
			return int8(n), nil
		case TypeInt16:
			return int16(n), nil
		case TypeInt32:
			return int32(n), nil
		case TypeDuration:
			return time.Duration(n), nil
		}
		return n, nil
	}
	n, err := parseUint(raw, size.bits)
	if err != nil {
		return nil, err
	}
	switch t {
	case TypeUint:
		return uint(n), nil
	case TypeUint8:
		return uint8(n), nil
	case TypeUint16:
		return uint16(n), nil
	case TypeUint32:
		return uint32(n), nil
	}
	return n, nil
}
