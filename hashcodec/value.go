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
	TypeTime     Type = "time"     // RFC 3339 with nanoseconds; see Encode for offsets with seconds
	TypeTimeBin  Type = "timebin"  // time.Time that text cannot hold (years outside 0-9999): MarshalBinary
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
//
// A time.Time always comes back as the same instant (Equal, to the
// nanosecond) and with the same zone offset; the zone's name and Location
// are not kept. It is stored as text whenever text can hold it:
//   - RFC 3339 with nanoseconds ("2026-11-25T19:56:07.123456789+01:00")
//     when the offset is whole minutes, as every zone's is today;
//   - the same with the offset's seconds ("1900-01-01T12:00:00+00:19:32",
//     Amsterdam's offset until 1937) when it has seconds, which RFC 3339
//     cannot write: this is what Python's datetime.isoformat writes and
//     datetime.fromisoformat reads;
//   - Go's binary form (TypeTimeBin, MarshalBinary) for a year outside
//     0-9999 or an offset of a day or more, which no such text holds; the
//     few offsets that form has no room for (-60 to -119 seconds, or beyond
//     ±546 hours) are stored in UTC, so the instant is still exact.
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
		return appendTime(dst, x)
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

// wallClock is RFC 3339 with nanoseconds, without the offset.
const wallClock = "2006-01-02T15:04:05.999999999"

// appendTime stores t as Encode describes. Go's own formatting and parsing
// of offsets with seconds ("Z07:00:00") lose the sign of offsets between
// -59 and -1 seconds, so those are written and read here.
func appendTime(dst []byte, t time.Time) ([]byte, Type, error) {
	_, offset := t.Zone()
	if y := t.Year(); y >= 0 && y <= 9999 && offset > -86400 && offset < 86400 {
		if offset%60 == 0 {
			return t.AppendFormat(dst, time.RFC3339Nano), TypeTime, nil
		}
		dst = t.AppendFormat(dst, wallClock)
		sign := byte('+')
		if offset < 0 {
			sign, offset = '-', -offset
		}
		h, m, s := offset/3600, offset/60%60, offset%60
		return append(dst, sign, '0'+byte(h/10), '0'+byte(h%10), ':', '0'+byte(m/10), '0'+byte(m%10),
			':', '0'+byte(s/10), '0'+byte(s%10)), TypeTime, nil
	}
	if b, err := t.AppendBinary(dst); err == nil {
		return b, TypeTimeBin, nil
	}
	b, err := t.UTC().AppendBinary(dst)
	if err != nil { // unreachable: the binary form always holds UTC
		return dst, "", fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return b, TypeTimeBin, nil
}

// parseTime reads what appendTime writes as TypeTime: RFC 3339 (all that
// earlier versions wrote), or its wall clock followed by ±hh:mm:ss.
func parseTime(raw string) (time.Time, error) {
	tm, err := time.Parse(time.RFC3339Nano, raw)
	if err == nil {
		return tm, nil
	}
	n := len(raw) - len("+hh:mm:ss")
	if n < 0 {
		return time.Time{}, err
	}
	offset, ok := parseOffset(raw[n:])
	if !ok {
		return time.Time{}, err
	}
	wall, werr := time.ParseInLocation(wallClock, raw[:n], time.UTC)
	if werr != nil {
		return time.Time{}, err
	}
	return inZone(wall.Add(-time.Duration(offset)*time.Second), offset), nil
}

// parseOffset reads "±hh:mm:ss" as seconds east of UTC, less than a day.
func parseOffset(s string) (int, bool) {
	if len(s) != 9 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || s[6] != ':' {
		return 0, false
	}
	var parts [3]int
	for i := range parts {
		hi, lo := s[1+3*i], s[2+3*i]
		if hi < '0' || hi > '9' || lo < '0' || lo > '9' {
			return 0, false
		}
		parts[i] = int(hi-'0')*10 + int(lo-'0')
	}
	if parts[0] > 23 || parts[1] > 59 || parts[2] > 59 {
		return 0, false
	}
	offset := parts[0]*3600 + parts[1]*60 + parts[2]
	if s[0] == '-' {
		offset = -offset
	}
	return offset, true
}

// inZone returns t with the given offset: in Local when Local has that
// offset at that instant, as time.Parse does, else in a fixed zone.
func inZone(t time.Time, offset int) time.Time {
	if _, local := t.In(time.Local).Zone(); local == offset {
		return t.In(time.Local)
	}
	return t.In(time.FixedZone("", offset))
}

// parseTimeBin reads Go's binary form. Time.UnmarshalBinary adds the
// seconds of an offset (format version 2) as an unsigned byte, so a
// negative offset such as New York's -4:56:02 before 1883 comes back 256
// seconds off; the instant is right, and the offset is put right here. It
// also takes nanoseconds of a second or more, which MarshalBinary never
// writes and which make a Time that formats wrongly: those are corrupt.
func parseTimeBin(raw string) (time.Time, error) {
	var tm time.Time
	if err := tm.UnmarshalBinary([]byte(raw)); err != nil {
		return tm, err
	}
	if nsec := uint32(raw[9])<<24 | uint32(raw[10])<<16 | uint32(raw[11])<<8 | uint32(raw[12]); nsec >= 1e9 {
		return time.Time{}, fmt.Errorf("%d nanoseconds", nsec)
	}
	if len(raw) == 16 && raw[0] == 2 && int8(raw[15]) < 0 {
		minutes := int(int16(raw[13])<<8 | int16(raw[14]))
		if minutes != -1 { // -1 marks UTC
			tm = inZone(tm, minutes*60+int(int8(raw[15])))
		}
	}
	return tm, nil
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
		return parseTime(raw)
	case TypeTimeBin:
		return parseTimeBin(raw)
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
