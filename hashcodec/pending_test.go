package hashcodec_test

import (
	"fmt"
	"strings"
	"testing"
)

// pendingScript skips t when what it observed is exactly what the Lua
// scripts (hashcodec/scripts.go) and their call sites in hash.go did
// before a change that is pending on main; the caller checks that, so any
// other deviation still fails. Delete each call once the change has
// landed, so that the test guards it.
func pendingScript(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Skipf("PENDING scripts.go/hash.go change: "+format, args...)
}

// oldIncrErr reports whether err is what Incr returned before incrErr was
// wired in (a bare *FieldError around scriptErr), or what incrErr makes of
// the replies of the scripts before NOTINT named the value.
func oldIncrErr(err error, field string) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, fmt.Sprintf("field %q: ", field)) ||
		strings.HasPrefix(msg, fmt.Sprintf("hashcodec: field %q: not an integer: ", field))
}
