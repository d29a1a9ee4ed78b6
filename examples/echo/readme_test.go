package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Go block that README.md marks with <!-- example: path --> (path from
// the repository root, as in the root README the section is written for)
// must appear line for line, indentation aside, in that file, which go
// test compiles.
var marked = regexp.MustCompile("(?s)<!-- example: ([^ ]+) -->\\s*```go\n(.*?)```")

func TestReadmeSnippetsAreCompiledExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := marked.FindAllStringSubmatch(string(readme), -1)
	require.Len(t, blocks, 2, "the quick start's imports and body")
	for _, b := range blocks {
		src, err := os.ReadFile(filepath.Join("..", "..", b[1]))
		require.NoError(t, err, b[1])
		assert.True(t, containsLines(string(src), b[2]), "README block not found in %s:\n%s", b[1], b[2])
	}
}

// containsLines reports whether block's non-blank lines appear
// contiguously among src's, ignoring indentation.
func containsLines(src, block string) bool {
	want, have := trimmedLines(block), trimmedLines(src)
	if len(want) == 0 {
		return false
	}
	for i := 0; i+len(want) <= len(have); i++ {
		if strings.Join(have[i:i+len(want)], "\n") == strings.Join(want, "\n") {
			return true
		}
	}
	return false
}

func trimmedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
