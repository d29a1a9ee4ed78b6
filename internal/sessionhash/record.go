// Package sessionhash is the session engine both stores share: it loads a
// session hash (sliding its TTL in the same round trip), remembers what was
// loaded, and commits only what changed, atomically, without ever bringing
// back a session that was deleted or expired in the meantime.
package sessionhash

import (
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

// Record is a session as loaded from Redis.
type Record struct {
	Key     string
	Entries []Entry
	// Meta holds the metadata fields (#created, #deadline, #idle, #maxage,
	// ...) as stored; type fields are folded into Entries.
	Meta map[string]string
}

// parseRecord splits an HGETALL reply into entries and metadata.
func parseRecord(key string, all map[string]string) *Record {
	r := &Record{Key: key, Meta: make(map[string]string, 4), Entries: make([]Entry, 0, len(all))}
	types := make(map[string]string)
	for f, v := range all {
		switch {
		case hashcodec.IsUserField(f):
			r.Entries = append(r.Entries, Entry{Field: f, Raw: v})
		case strings.HasPrefix(f, layout.TypePrefix):
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

// ParseInt reads a numeric metadata value, 0 when absent or unparsable.
func ParseInt(v string) int64 {
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// ParseTime reads a metadata value holding Unix ns: zero when absent,
// unparsable or not positive (FormatTime's "0").
func ParseTime(v string) time.Time {
	if n := ParseInt(v); n > 0 {
		return time.Unix(0, n).UTC()
	}
	return time.Time{}
}

// MetaTime returns a metadata field holding Unix ns (zero if absent).
func (r *Record) MetaTime(name string) time.Time { return ParseTime(r.Meta[name]) }

// Created returns the session's creation time (zero if unknown).
func (r *Record) Created() time.Time { return r.MetaTime(layout.Created) }

// Deadline returns the absolute deadline (zero if none).
func (r *Record) Deadline() time.Time { return r.MetaTime(layout.Deadline) }

// Idle returns the sliding window recorded at the last commit.
func (r *Record) Idle() time.Duration { return time.Duration(ParseInt(r.Meta[layout.Idle])) }

// FormatTime renders a time as metadata stores it (Unix ns; "0" for zero).
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

// Stats returns the number of entries and their size, as Limits counts them.
func Stats(entries []Entry) (fields, size int) {
	for _, e := range entries {
		size += e.Size()
	}
	return len(entries), size
}
