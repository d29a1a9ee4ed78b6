package sessionhash

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"maps"
	"time"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/wire"
)

// Snapshot remembers what a request loaded: the key, a fingerprint of every
// user field and the metadata. Plan compares a commit against it to write
// only what changed. Fingerprints are keyed per process; a Snapshot never
// leaves the process that made it.
type Snapshot struct {
	Key  string
	Sums map[string]uint64
	Meta map[string]string
}

// MetaTime returns a metadata field of the snapshot holding Unix ns (zero
// if absent).
func (s *Snapshot) MetaTime(name string) time.Time { return ParseTime(s.Meta[name]) }

var seed = maphash.MakeSeed()

func fingerprint(e Entry) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(string(e.Type))
	h.WriteByte(0)
	h.WriteString(e.Raw)
	return h.Sum64()
}

// NewSnapshot remembers rec.
func NewSnapshot(rec *Record) *Snapshot {
	s := &Snapshot{Key: rec.Key, Sums: make(map[string]uint64, len(rec.Entries)), Meta: rec.Meta}
	for _, e := range rec.Entries {
		s.Sums[e.Field] = fingerprint(e)
	}
	return s
}

// Write is one commit: what to set and delete at Key, with the TTL to leave.
type Write struct {
	Key string
	// Create replaces whatever is at Key; otherwise the write is a delta
	// that applies only while the session still exists.
	Create bool
	Set    []any // field, value, field, value, ...
	Del    []string
	TTL    time.Duration
	// KeepTTL leaves the key's expiry as it is: an update of a session
	// without a sliding window whose deadline did not move, so its TTL
	// already ends where TTL would.
	KeepTTL bool
	// Cover, when set, is the new #uexp: how long the user index covers the
	// session. The TTL is never set past the session's cover. With
	// CoverUser set, the new cover is only applied if the session is still
	// bound to that user (else the stored cover stays and caps the TTL).
	Cover     time.Time
	CoverUser string
}

// Plan returns the write that leaves entries and meta at key. Without a
// snapshot of that same key (a new session, a renewed token) it creates the
// session whole; otherwise it writes the fields whose value or type changed,
// deletes the fields that were removed, and sets the metadata that changed.
func Plan(snap *Snapshot, key string, entries []Entry, meta map[string]string, ttl time.Duration) *Write {
	w := &Write{Key: key, TTL: ttl, Create: snap == nil || snap.Key != key}
	if w.Create {
		w.Set = make([]any, 0, 4*len(entries)+2*len(meta))
		for _, e := range entries {
			w.Set = append(w.Set, e.Field, e.Raw)
			if e.Type != "" {
				w.Set = append(w.Set, layout.TypeField(e.Field), string(e.Type))
			}
		}
		for name, v := range meta {
			w.Set = append(w.Set, name, v)
		}
		return w
	}
	kept := 0 // entries whose field was loaded
	for _, e := range entries {
		sum, loaded := snap.Sums[e.Field]
		if loaded {
			kept++
		}
		if loaded && sum == fingerprint(e) {
			continue
		}
		w.Set = append(w.Set, e.Field, e.Raw)
		if e.Type == "" {
			w.Del = append(w.Del, layout.TypeField(e.Field))
		} else {
			w.Set = append(w.Set, layout.TypeField(e.Field), string(e.Type))
		}
	}
	if kept < len(snap.Sums) { // some loaded fields are gone
		seen := make(map[string]struct{}, len(entries))
		for _, e := range entries {
			seen[e.Field] = struct{}{}
		}
		for f := range snap.Sums {
			if _, ok := seen[f]; !ok {
				w.Del = append(w.Del, f, layout.TypeField(f))
			}
		}
	}
	for name, v := range meta {
		if old, ok := snap.Meta[name]; !ok || old != v {
			w.Set = append(w.Set, name, v)
		}
	}
	w.KeepTTL = meta[layout.Idle] == "0" && meta[layout.Deadline] != "0" && meta[layout.Deadline] == snap.Meta[layout.Deadline] &&
		snap.Meta[layout.Idle] == "0" && ttl > 0
	return w
}

// Result returns the snapshot of what is stored at w.Key once w has run,
// given the snapshot, entries and metadata w was planned from.
func (w *Write) Result(base *Snapshot, entries []Entry, meta map[string]string) *Snapshot {
	stored := maps.Clone(meta)
	if !w.Create && base != nil {
		stored = maps.Clone(base.Meta)
		maps.Copy(stored, meta)
		for _, f := range w.Del {
			delete(stored, f)
		}
	}
	if !w.Cover.IsZero() && w.CoverUser == "" {
		// A guarded extension (CoverUser) may not have been applied: the
		// snapshot keeps the old cover, so the next write extends again.
		stored[layout.UserUntil] = FormatTime(w.Cover)
	}
	return NewSnapshot(&Record{Key: w.Key, Entries: entries, Meta: stored})
}

// MarshalBinary encodes the snapshot, for stores that must carry it through
// the framework (scs carries it as a session value).
func (s *Snapshot) MarshalBinary() []byte {
	b := []byte{snapshotVersion}
	b = wire.Append(b, s.Key)
	b = binary.AppendUvarint(b, uint64(len(s.Sums)))
	for f, sum := range s.Sums {
		b = wire.Append(b, f)
		b = binary.LittleEndian.AppendUint64(b, sum)
	}
	b = binary.AppendUvarint(b, uint64(len(s.Meta)))
	for name, v := range s.Meta {
		b = wire.Append(b, name)
		b = wire.Append(b, v)
	}
	return b
}

const snapshotVersion = 1

// UnmarshalSnapshot decodes what MarshalBinary produced.
func UnmarshalSnapshot(b []byte) (*Snapshot, error) {
	r := wire.NewReader(b)
	if r.Byte() != snapshotVersion {
		return nil, fmt.Errorf("session snapshot: %w", wire.ErrMalformed)
	}
	s := &Snapshot{Key: r.String()}
	n := r.Count()
	fields, sums := make([][]byte, 0, n), make([]uint64, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		fields = append(fields, r.Bytes())
		sums = append(sums, r.Uint64())
	}
	s.Sums = make(map[string]uint64, len(fields))
	for i, f := range wire.Strings(fields) {
		s.Sums[f] = sums[i]
	}
	m := r.Count()
	s.Meta = make(map[string]string, m)
	for i := 0; i < m && r.Err() == nil; i++ {
		name := r.String()
		s.Meta[name] = r.String()
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("session snapshot: %w", err)
	}
	return s, nil
}
