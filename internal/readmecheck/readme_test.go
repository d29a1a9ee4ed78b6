// Package readmecheck keeps the README's code honest: every Go block that
// the README marks with <!-- example: path --> must appear, line for line,
// in that file, which is compiled (and mostly run) by go test.
package readmecheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var marked = regexp.MustCompile("(?s)<!-- example: ([^ ]+) -->\\s*```go\n(.*?)```")

func TestReadmeSnippetsAreCompiledExamples(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	blocks := marked.FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks, "the README marks its quick starts")
	for _, b := range blocks {
		src, err := os.ReadFile(filepath.Join(root, b[1]))
		require.NoError(t, err, b[1])
		assert.True(t, containsLines(string(src), b[2]), "README block not found in %s:\n%s", b[1], b[2])
	}
	for _, must := range []string{"make demo", "make test"} {
		assert.Contains(t, string(readme), must)
	}
}

var links = regexp.MustCompile(`\]\(([^)#\s]+)[^)]*\)|^\[[^\]]+\]: (\S+)`)

// Every relative link in the docs points at a file that exists.
func TestDocLinksResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, doc := range []string{"README.md", "SECURITY.md", "BENCHMARKS.md"} {
		text, err := os.ReadFile(filepath.Join(root, doc))
		require.NoError(t, err)
		for _, line := range strings.Split(string(text), "\n") {
			for _, m := range links.FindAllStringSubmatch(line, -1) {
				target := m[1] + m[2]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "#") {
					continue
				}
				_, err := os.Stat(filepath.Join(root, target))
				assert.NoError(t, err, "%s links to %s", doc, target)
			}
		}
	}
}

// containsLines reports whether block's non-blank lines appear
// contiguously among src's, ignoring indentation.
func containsLines(src, block string) bool {
	want, have := lines(block), lines(src)
	if len(want) == 0 {
		return false
	}
	for i := 0; i+len(want) <= len(have); i++ {
		if equal(have[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
