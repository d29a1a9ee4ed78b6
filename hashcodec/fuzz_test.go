package hashcodec_test

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/redis-session/redis-session-go/hashcodec"
)

// FuzzDecode feeds arbitrary stored bytes and type names to Decode: it must
// never panic, and whatever it accepts must survive another Encode/Decode.
func FuzzDecode(f *testing.F) {
	for _, v := range []any{"x", []byte{1}, true, -42, int8(3), uint64(1 << 63), float32(1.5), math.Inf(1),
		time.Now(), time.Minute, nil, profile{Name: "a"}, map[string]any{"k": 1}, []any{"flash"}} {
		raw, typ, err := hashcodec.Encode(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, string(typ))
	}
	f.Add([]byte(" 4_2 "), "int")
	f.Add([]byte("2026-13-01T00:00:00Z"), "time")
	// Offsets with seconds, which RFC 3339 cannot write, in text and in
	// Go's binary form (whose reader gets negative seconds wrong).
	for _, tm := range []time.Time{
		time.Date(1900, 1, 1, 12, 0, 0, 0, time.FixedZone("AMT", 1172)),
		time.Date(1800, 1, 1, 0, 0, 0, 1, time.FixedZone("LMT", -75)),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", -1)),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", 86399)),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", -17762)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", -30)),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 100*3600)),
	} {
		raw, typ, err := hashcodec.Encode(tm)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, string(typ))
	}
	f.Add([]byte("2000-01-01T00:00:00-00:00:01"), "time")
	f.Add([]byte("2000-01-01T00:00:00+24:00:00"), "time")
	f.Add([]byte("2000-01-01T00:00:00+23:59:60"), "time")
	f.Add([]byte("2000-01-01T00:00:00.5Z+00:00:01"), "time")
	f.Add([]byte("\x02\x00\x00\x00\x0e\x7f\xff\xff\xff\x00\x00\x00\x00\xff\xff\xfb"), "timebin")
	f.Add([]byte("\x0200000000\xff000\xfe00"), "timebin") // nanoseconds past 1e9
	f.Fuzz(func(t *testing.T, raw []byte, typ string) {
		v, err := hashcodec.Decode(raw, hashcodec.Type(typ))
		if err != nil {
			return
		}
		raw2, typ2, err := hashcodec.Encode(v)
		if err != nil {
			t.Fatalf("decoded %#v from %q/%q but cannot encode it: %v", v, raw, typ, err)
		}
		v2, err := hashcodec.Decode(raw2, typ2)
		if err != nil {
			t.Fatalf("re-encoded %#v as %q/%q does not decode: %v", v, raw2, typ2, err)
		}
		if !sameValue(v, v2) {
			t.Fatalf("round trip changed %#v into %#v", v, v2)
		}
	})
}

func sameValue(a, b any) bool {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	switch x := a.(type) {
	case time.Time:
		_, offA := x.Zone()
		_, offB := b.(time.Time).Zone()
		return x.Equal(b.(time.Time)) && offA == offB
	case float64:
		return x == b.(float64) || math.IsNaN(x) && math.IsNaN(b.(float64))
	case float32:
		return x == b.(float32) || x != x && b.(float32) != b.(float32)
	}
	return reflect.DeepEqual(a, b)
}

// FuzzFieldConversions runs every accessor on arbitrary stored text: none
// may panic, and the plain getters must agree with their E variants.
func FuzzFieldConversions(f *testing.F) {
	for _, s := range []string{"42", " -7 ", "4_2", "True", "1.5e3", `{"a":1}`, "\xef\xbb\xbfnull", "", "None",
		"99999999999999999999", "-9_223_372_036_854_775_809", "1e999"} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, raw []byte, typ string) {
		fld := hashcodec.NewField("f", raw, hashcodec.Type(typ), true)
		if n, err := fld.Int64E(); (err == nil) != (n == fld.Int64()) && err == nil {
			t.Fatalf("Int64 disagrees with Int64E on %q", raw)
		}
		if n, err := fld.IntE(); err == nil && n != fld.Int() {
			t.Fatalf("Int disagrees with IntE on %q", raw)
		}
		if b, err := fld.BoolE(); err == nil && b != fld.Bool() {
			t.Fatalf("Bool disagrees with BoolE on %q", raw)
		}
		if x, err := fld.Float64E(); err == nil && x != fld.Float64() && x == x {
			t.Fatalf("Float64 disagrees with Float64E on %q", raw)
		}
		_ = fld.String()
		var v any
		_ = fld.JSON(&v)
		_, _ = fld.Value()
		if fld.IsNil() || fld.Err() != nil {
			t.Fatalf("a present field reads as nil or failed")
		}
	})
}

// FuzzMapKey parses arbitrary hash field names as gorilla map keys: no panic,
// and an accepted key must map back to a field that parses to the same key.
func FuzzMapKey(f *testing.F) {
	for _, k := range []any{"name", "#x", 42, true, 1.5, nil, roleKey{Name: "r"},
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.FixedZone("AMT", 1172))} {
		field, err := hashcodec.MapKeyField(k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(field)
	}
	f.Add("#k:int: 4_2")
	f.Add("#k:gob:")
	f.Fuzz(func(t *testing.T, field string) {
		key, ok, err := hashcodec.MapKey(field)
		if err != nil || !ok {
			return
		}
		field2, err := hashcodec.MapKeyField(key)
		if err != nil {
			t.Fatalf("key %#v from %q does not encode: %v", key, field, err)
		}
		key2, ok, err := hashcodec.MapKey(field2)
		if err != nil || !ok || !sameValue(key, key2) {
			t.Fatalf("key %#v from %q came back as %#v (%v)", key, field, key2, err)
		}
	})
}
