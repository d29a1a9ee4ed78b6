// Package sessionhash is the session engine both stores share: it loads a
// session hash and slides its expiry in the same round trip, remembers
// what was loaded, and commits only what changed, atomically, without
// ever bringing back a session that was deleted or expired in the
// meantime. Deletions leave tombstones (see internal/layout), so that they
// are final for every app instance.
package sessionhash

import (
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
)

// Entry is one user value as stored: its hash field name (escaped user key
// or "#k:" map key), its bytes and its recorded type.
type Entry struct {
	Field string
	Raw   string
	Type  hashcodec.Type
}

// Size is what the entry counts against Limits.Bytes.
func (e Entry) Size() int { return len(e.Field) + len(e.Raw) }

// Stats returns the number of entries and their size, as Limits counts them.
func Stats(entries []Entry) (fields, size int) {
	for _, e := range entries {
		size += e.Size()
	}
	return len(entries), size
}

// Record is a session as loaded from Redis.
type Record struct {
	Key     string
	Entries []Entry
	// Meta holds the metadata fields (#created, #deadline, #idle, #maxage,
	// #user, #uexp, ...) as stored; type fields are folded into Entries.
	Meta map[string]string
	// LoadedAt is when the load ran, and Expiry the key's expiry once the
	// load's slide was applied (both Unix ms).
	LoadedAt, Expiry int64
}

// parseRecord splits an HGETALL reply, n field/value pairs, into entries
// and metadata.
func parseRecord(key string, n int, pairs iter.Seq2[string, string]) *Record {
	r := &Record{Key: key, Meta: make(map[string]string, 8), Entries: make([]Entry, 0, n)}
	var types map[string]string
	for f, v := range pairs {
		switch {
		case hashcodec.IsUserField(f):
			r.Entries = append(r.Entries, Entry{Field: f, Raw: v})
		case strings.HasPrefix(f, layout.TypePrefix):
			if types == nil {
				types = make(map[string]string)
			}
			types[f[len(layout.TypePrefix):]] = v
		default:
			r.Meta[f] = v
		}
	}
	for i := range r.Entries {
		r.Entries[i].Type = hashcodec.Type(types[r.Entries[i].Field])
	}
	return r
}

// ParseInt reads a numeric metadata value the way the scripts' int() does:
// a decimal integer of at most 18 characters (an optional '-', then
// digits); anything else (absent, '+16', ' 16', '0x10') reads as 0, in Go
// and in Lua alike, so both apply one expiry policy to the same bytes.
func ParseInt(v string) int64 {
	if len(v) == 0 || len(v) > 18 || v[0] == '+' {
		return 0
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// Int returns a numeric metadata field (0 if absent).
func (r *Record) Int(name string) int64 { return ParseInt(r.Meta[name]) }

// Time returns a metadata field holding Unix ms (zero if absent).
func (r *Record) Time(name string) time.Time { return layout.Time(r.Int(name)) }

// Created returns the session's creation time (zero if unknown).
func (r *Record) Created() time.Time { return r.Time(layout.Created) }

// Window returns the sliding window recorded at the last write, in ms.
func (r *Record) Window() int64 { return max(r.Int(layout.Idle), 0) }

// Cap returns when the session ends whatever its TTL says: the earlier of
// its deadline and its user index cover, in Unix ms; 0 for neither.
func (r *Record) Cap() int64 { return Cap(r.Int(layout.Deadline), r.Int(layout.UserUntil)) }

// Cap returns the earlier of a deadline and a cover that is set (> 0), or
// 0 when neither is: scripts' cap().
func Cap(deadline, cover int64) int64 {
	switch {
	case deadline > 0 && (cover <= 0 || deadline < cover):
		return deadline
	case cover > 0:
		return cover
	}
	return 0
}

// Capped returns at, or c when that is set and earlier: scripts' capped().
func Capped(at, c int64) int64 {
	if c > 0 && c < at {
		return c
	}
	return at
}

// FormatInt renders a metadata number.
func FormatInt(n int64) string { return strconv.FormatInt(n, 10) }
