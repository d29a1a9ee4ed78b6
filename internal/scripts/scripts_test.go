package scripts

import (
	"context"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// every lists the scripts by file name.
func every(t *testing.T) []string {
	names, err := fs.Glob(files, "lua/*.lua")
	require.NoError(t, err)
	var out []string
	for _, n := range names {
		if n != "lua/prelude.lua" {
			out = append(out, strings.TrimPrefix(n, "lua/"))
		}
	}
	return out
}

// Every script compiles, on miniredis and a real Redis.
func TestEveryScriptLoads(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for _, name := range every(t) {
			require.NoError(t, b.Client.ScriptLoad(context.Background(), Source(name)).Err(), name)
		}
	})
}

// A script calls only the shared helpers it declares on its @uses line (a
// missing one would fail at run time, in the path that calls it), and
// declares them after what they need.
func TestEveryScriptDeclaresTheHelpersItUses(t *testing.T) {
	lib := sections()
	call := regexp.MustCompile(`\b([a-z_]+)\(`)
	for _, name := range every(t) {
		body := read(name)
		first, _, _ := strings.Cut(body, "\n")
		declared := map[string]bool{}
		for _, u := range strings.Fields(strings.TrimPrefix(first, "-- @uses ")) {
			declared[u] = true
		}
		for _, m := range call.FindAllStringSubmatch(body, -1) {
			if _, isHelper := lib[m[1]]; isHelper {
				assert.True(t, declared[m[1]], "%s calls %s without declaring it", name, m[1])
			}
		}
		if strings.Contains(body, "TOMBSTONE") {
			assert.True(t, declared["tombstones"], "%s uses the tombstones without declaring them", name)
		}
		src := Source(name)
		for helper := range declared {
			for _, m := range call.FindAllStringSubmatch(lib[helper], -1) {
				if _, isHelper := lib[m[1]]; isHelper && m[1] != helper {
					assert.True(t, declared[m[1]], "%s: helper %s needs %s", name, helper, m[1])
					assert.Less(t, strings.Index(src, "function "+m[1]+"("), strings.Index(src, "function "+helper+"("),
						"%s: %s comes before %s, which uses it", name, m[1], helper)
				}
			}
		}
	}
}

func TestCode(t *testing.T) {
	for msg, want := range map[string][2]string{
		"ERR LIMIT 12 values, limit 10": {"LIMIT", "12 values, limit 10"},
		"NOTFOUND":                      {"NOTFOUND", ""},
		"NOTINT type string 1 2 3132":   {"NOTINT", "type string 1 2 3132"},
	} {
		code, rest, ok := Code(errString(msg))
		assert.True(t, ok, msg)
		assert.Equal(t, want, [2]string{code, rest}, msg)
	}
	_, _, ok := Code(errString("WRONGTYPE Operation against a key"))
	assert.False(t, ok)
	_, _, ok = Code(errString("LIMITED"))
	assert.False(t, ok, "a code is a whole word")
	_, _, ok = Code(nil)
	assert.False(t, ok)
}

type errString string

func (e errString) Error() string { return string(e) }
