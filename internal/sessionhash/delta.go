package sessionhash

import (
	"hash/maphash"
	"sync"

	"github.com/redis-session/redis-session-go/hashcodec"

	"github.com/redis-session/redis-session-go/internal/layout"
)

// Snapshot remembers what a request last saw of a session (its load, or
// its own last write): the key, a fingerprint of every user field, the
// metadata, and when and with which expiry it was taken. A commit is
// planned against it to write only what changed. Fingerprints are keyed
// per process; a Snapshot never leaves the process that made it.
type Snapshot struct {
	Key  string
	Meta map[string]string
	// LoadedAt and Expiry are Record's: when the snapshot was taken and the
	// key's expiry then (Unix ms; 0 when unknown).
	LoadedAt, Expiry int64

	// sums are the fingerprints, taken on first use: a request that only
	// reads its session never pays for them. Copies share them.
	sums *fingerprints
}

// fingerprints holds a snapshot's field fingerprints: given (m), or
// computed once from the entries it was taken of.
type fingerprints struct {
	once    sync.Once
	entries []Entry
	m       map[string]uint64
}

var seed = maphash.MakeSeed()

// stored is what a fingerprint covers: a field's bytes and its type.
type stored struct {
	raw string
	typ hashcodec.Type
}

func fingerprint(e Entry) uint64 { return maphash.Comparable(seed, stored{e.Raw, e.Type}) }

// KeySum returns a per-process fingerprint of a key, for telling which
// session a snapshot belongs to without keeping the key in the clear.
func KeySum(key string) uint64 { return maphash.String(seed, key) }

// NewSnapshot remembers rec. Its fingerprints are taken when first needed,
// from rec.Entries, which must not change after.
func NewSnapshot(rec *Record) *Snapshot {
	s := &Snapshot{Key: rec.Key, Meta: rec.Meta, LoadedAt: rec.LoadedAt, Expiry: rec.Expiry}
	s.SetEntries(rec.Entries)
	return s
}

// SetEntries makes the fingerprints those of entries, taken when first
// needed; entries must not change after.
func (s *Snapshot) SetEntries(entries []Entry) { s.sums = &fingerprints{entries: entries} }

// SetSums makes sums (field to fingerprint, as Sums returned them in this
// process) the snapshot's fingerprints.
func (s *Snapshot) SetSums(sums map[string]uint64) { s.sums = &fingerprints{m: sums} }

// Sums returns the fingerprint of every user field the snapshot saw, by
// field name. The map is shared: callers must not change it.
func (s *Snapshot) Sums() map[string]uint64 {
	f := s.sums
	if f == nil {
		return nil
	}
	f.once.Do(func() {
		if f.m != nil {
			return // given
		}
		f.m = make(map[string]uint64, len(f.entries))
		for _, e := range f.entries {
			f.m[e.Field] = fingerprint(e)
		}
		f.entries = nil
	})
	return f.m
}

// Kept reports whether entries still hold any of the snapshot's fields:
// whether a request that moves the session to a new key continues it (a
// token renewal) rather than starting over (Destroy, or Clear, then new
// values).
func (s *Snapshot) Kept(entries []Entry) bool {
	sums := s.Sums()
	for _, e := range entries {
		if _, ok := sums[e.Field]; ok {
			return true
		}
	}
	return false
}

// Slid reports whether the load (or write) the snapshot took already moved
// the expiry as far as a write at now with this window (ms) and deadline
// would, counted from when it ran (within a thousandth of the window, as
// clocks are read a moment apart), and not later than that write would:
// then a write with nothing else to change need not reach Redis at all.
// Without a window the expiry is the deadline, which every write sets, so
// it stands while the deadline does.
func (s *Snapshot) Slid(window, deadline, now int64) bool {
	if window == 0 {
		return s.Meta[layout.Deadline] == FormatInt(deadline) && s.Meta[layout.Idle] == "0"
	}
	want := Capped(s.LoadedAt+window, deadline) - 10 - window/1000
	return s.Expiry > 0 && s.Expiry >= want && s.Expiry <= Capped(now+window, deadline)
}

// Update is a delta commit: what to set and delete at Key while it holds a
// live session (scripts/commit.lua).
type Update struct {
	Key string
	// Set holds field/value pairs of user values, Meta those of type and
	// metadata fields; DelUser the user fields to delete and Del any other
	// fields to delete (their type fields among them).
	Set, Meta    []any
	DelUser, Del []string
	// Expiry is the new expiry (Unix ms), 0 to leave the TTL as it is.
	Expiry int64
	// Cover, when set, is the new #uexp: how long the user index covers
	// the session; with CoverUser set it is applied only while the session
	// is still bound to that user. The expiry never goes past the cover.
	Cover     int64
	CoverUser string
}

// Changes reports whether the update writes or deletes any field.
func (u *Update) Changes() bool {
	return len(u.Set)+len(u.Meta)+len(u.DelUser)+len(u.Del) > 0 || u.Cover > 0
}

// Plan returns the update that turns what the snapshot saw into entries
// and meta: the fields whose value or type changed, the loaded fields that
// are gone, and the metadata that changed. Expiry and cover are the
// caller's.
func (s *Snapshot) Plan(entries []Entry, meta map[string]string) *Update {
	u := &Update{Key: s.Key}
	sums := s.Sums()
	kept := 0 // entries whose field was seen
	for _, e := range entries {
		sum, seen := sums[e.Field]
		if seen {
			kept++
			if sum == fingerprint(e) {
				continue
			}
		}
		u.Set = append(u.Set, e.Field, e.Raw)
		if e.Type == "" {
			if seen {
				u.Del = append(u.Del, layout.TypeField(e.Field))
			}
		} else {
			u.Meta = append(u.Meta, layout.TypeField(e.Field), string(e.Type))
		}
	}
	if kept < len(sums) { // some fields that were seen are gone
		present := make(map[string]struct{}, len(entries))
		for _, e := range entries {
			present[e.Field] = struct{}{}
		}
		for f := range sums {
			if _, ok := present[f]; !ok {
				u.DelUser = append(u.DelUser, f)
				u.Del = append(u.Del, layout.TypeField(f))
			}
		}
	}
	for name, v := range meta {
		if old, ok := s.Meta[name]; !ok || old != v {
			u.Meta = append(u.Meta, name, v)
		}
	}
	return u
}

// After returns the snapshot of what is stored once u was applied over
// what s saw, with entries as the session's values; at is when the write
// ran. When u left the expiry alone, the snapshot keeps s's expiry and the
// time it was set.
func (s *Snapshot) After(u *Update, entries []Entry, at int64) *Snapshot {
	meta := make(map[string]string, len(s.Meta)+len(u.Meta)/2)
	for k, v := range s.Meta {
		meta[k] = v
	}
	for i := 0; i+1 < len(u.Meta); i += 2 {
		name := u.Meta[i].(string)
		if !layout.IsTypeField(name) {
			meta[name] = u.Meta[i+1].(string)
		}
	}
	for _, f := range u.Del {
		delete(meta, f)
	}
	if u.Cover > 0 && u.CoverUser == "" {
		// A guarded cover (CoverUser) may not have been applied: the
		// snapshot keeps the old one, so the next write extends again.
		meta[layout.UserUntil] = FormatInt(u.Cover)
	}
	expiry := Capped(u.Expiry, ParseInt(meta[layout.UserUntil]))
	if u.Expiry == 0 {
		at, expiry = s.LoadedAt, s.Expiry
	}
	if len(u.Set) == 0 && len(u.DelUser) == 0 {
		// No user value changed: what is stored is what s saw, so the
		// snapshot after shares its fingerprints.
		return &Snapshot{Key: s.Key, Meta: meta, LoadedAt: at, Expiry: expiry, sums: s.sums}
	}
	return NewSnapshot(&Record{Key: s.Key, Entries: entries, Meta: meta, LoadedAt: at, Expiry: expiry})
}

// Create is a session written whole (scripts/create.lua): a new session,
// a renewed token, or the values of a request that kept nothing of what it
// loaded replacing a live session at the same key.
type Create struct {
	Key string
	// Pairs holds field/value pairs of user values, their types and the
	// metadata (never #created, #n, #b, #user, #uexp).
	Pairs []any
	// Count and Bytes are the user values' number and size (Limits').
	Count, Bytes int
	// Created is the creation time for a session the key does not hold
	// yet (Unix ms); a live session keeps its own.
	Created int64
	// Expiry is the new expiry (Unix ms, in the future).
	Expiry int64
	// User binds the session ("" leaves a stored binding as it is, Unbind
	// removes it); Cover is its #uexp, required with a user.
	User  string
	Cover int64
}

// Unbind is Create.User for a write that removes a stored binding.
const Unbind = "-"

// NewCreate returns the write that stores entries and meta whole at key.
func NewCreate(key string, entries []Entry, meta map[string]string) *Create {
	c := &Create{Key: key, Pairs: make([]any, 0, 4*len(entries)+2*len(meta))}
	c.Count, c.Bytes = Stats(entries)
	for _, e := range entries {
		c.Pairs = append(c.Pairs, e.Field, e.Raw)
		if e.Type != "" {
			c.Pairs = append(c.Pairs, layout.TypeField(e.Field), string(e.Type))
		}
	}
	for name, v := range meta {
		c.Pairs = append(c.Pairs, name, v)
	}
	return c
}
