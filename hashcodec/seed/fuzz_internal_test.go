package seed

import (
	"strconv"
	"testing"
)

// FuzzParseSigned checks that the parser accepts only canonical values:
// whatever it takes apart, put back together, is the input byte for byte,
// so no two spellings of one signed value exist.
func FuzzParseSigned(f *testing.F) {
	for _, v := range []string{
		"2|1:0|10:1764100567|10:session-id|4:YQ==|0ce4d74ffb4a710407295f271cc260a59e59fe6598e09241474d91fbc7cb439a",
		"2|1:7|1:0|0:||0:|0000000000000000000000000000000000000000000000000000000000000000",
		"2|1:0|010:1764100567|10:session-id|4:YQ==|0ce4d74ffb4a710407295f271cc260a59e59fe6598e09241474d91fbc7cb439a",
		"2|2:00|1:1|1:||1:||0ce4d74ffb4a710407295f271cc260a59e59fe6598e09241474d91fbc7cb439a",
		"2|", "2|1:", "2|1:0", "2|1:0|9999:", "2|-1:", "1|", "x",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		sv, err := parseSigned(v)
		if err != nil {
			return
		}
		field := func(s string) string { return strconv.Itoa(len(s)) + ":" + s + "|" }
		again := "2|" + field(strconv.Itoa(sv.keyVersion)) + field(strconv.FormatInt(sv.unix, 10)) +
			field(sv.name) + field(sv.value)
		if again != sv.signed || again+sv.sig != v {
			t.Fatalf("parsed %q as %+v, which reads back as %q", v, sv, again+sv.sig)
		}
	})
}
