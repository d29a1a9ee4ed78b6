// Package scripts holds every Lua script the module runs, as embedded .lua
// files, and the helpers they share (lua/prelude.lua). One package, one
// unit: every time a script takes or stores is Unix milliseconds, every
// duration milliseconds, the unit of PEXPIREAT.
//
// Each script is single-key, so it runs where its key lives in a Cluster.
// A script names the shared helpers it uses on its first line ("-- @uses
// a b c"); it is built from exactly those sections of the prelude, so no
// call pays for closures it does not need.
package scripts

import (
	"context"
	"embed"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var files embed.FS

// The session engine's scripts (see each file for its contract).
var (
	Commit = load("commit.lua") // a delta write of a live session
	Create = load("create.lua") // a session written whole
	Delete = load("delete.lua") // a session ended for good: a tombstone
	// Handover records where a session a request deleted itself moves on.
	Handover = load("handover.lua")
	Touch    = load("touch.lua") // a load's slide, in its MULTI
)

// hashcodec's scripts.
var (
	Read  = load("read.lua")  // Get, GetMulti, Exists, Touch
	Write = load("write.lua") // Set, SetMulti, Delete
	Incr  = load("incr.lua")  // Incr
)

// The user index's scripts.
var (
	IndexAdd    = load("index_add.lua")    // the index step before a bound write
	IndexRevoke = load("index_revoke.lua") // log out everywhere: mark the entries
)

// load builds a script from its file and the prelude sections it uses.
func load(name string) *redis.Script {
	return redis.NewScript(Source(name))
}

// Source returns the full Lua source of the script in lua/name: the
// prelude sections it uses, then the script. It panics on a missing file
// or helper, which can only be a mistake in this package.
func Source(name string) string {
	body := read(name)
	first, _, _ := strings.Cut(body, "\n")
	uses, ok := strings.CutPrefix(first, "-- @uses ")
	if !ok {
		return body
	}
	lib := sections()
	var b strings.Builder
	for _, u := range strings.Fields(uses) {
		src, ok := lib[u]
		if !ok {
			panic(fmt.Sprintf("scripts: %s uses unknown helper %q", name, u))
		}
		b.WriteString(src)
	}
	b.WriteString(body)
	return b.String()
}

func read(name string) string {
	b, err := files.ReadFile("lua/" + name)
	if err != nil {
		panic(fmt.Sprintf("scripts: %v", err))
	}
	return string(b)
}

// sections splits the prelude at its "-- @lib name" lines.
func sections() map[string]string {
	out := make(map[string]string)
	name := ""
	for _, part := range strings.SplitAfter(read("prelude.lua"), "\n") {
		if n, ok := strings.CutPrefix(part, "-- @lib "); ok {
			name = strings.TrimSpace(n)
			continue
		}
		if name != "" {
			out[name] += part
		}
	}
	return out
}

// Code splits an error a script raised on purpose, such as
// "LIMIT 12 values, limit 10", into its code ("LIMIT") and the rest. ok is
// false for any other error (Redis's own, the network's).
func Code(err error) (code, rest string, ok bool) {
	if err == nil {
		return "", "", false
	}
	msg := strings.TrimPrefix(err.Error(), "ERR ")
	for _, c := range []string{"NOTFOUND", "LIMIT", "NOTINT"} {
		if r, found := strings.CutPrefix(msg, c); found && (r == "" || r[0] == ' ') {
			return c, strings.TrimSpace(r), true
		}
	}
	return "", "", false
}

// Retry runs run, which sends script by EVALSHA inside a pipeline or a
// MULTI (where go-redis does not fall back to EVAL itself) and returns the
// error that decides; when that says Redis does not have the script (a
// new server, a restart, a failover), it loads the script and runs once
// more.
func Retry(ctx context.Context, c redis.Scripter, script *redis.Script, run func() error) error {
	err := run()
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		if err = script.Load(ctx, c).Err(); err == nil {
			err = run()
		}
	}
	return err
}
