package scsstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/wire"
)

// Codec is an scs.Codec whose blobs carry every value already encoded the
// way the session hash stores it. With it, a load copies the hash's fields
// into the blob without decoding them, and a commit writes them back
// without re-encoding: each value is encoded once (by Encode) and decoded
// once (by Decode), instead of twice each way through gob. Like GobCodec
// it also carries what the store needs to write deltas, so every
// guarantee holds (see Store).
//
// Use it on both sides:
//
//	store := scsstore.New(rdb, scsstore.WithCodec(scsstore.Codec{}))
//	sessionManager.Store = store
//	sessionManager.Codec = store.Codec()
//
// Values round-trip with their exact Go types, as with scs.GobCodec
// (custom types still need gob.Register). A manager and a store configured
// with different codecs fail at the first commit with ErrCodecMismatch.
type Codec struct{}

// fastMagic starts every Codec blob. A gob stream never starts with a zero
// byte (its first byte is a non-zero message length), so the formats
// cannot be confused.
var fastMagic = []byte("\x00hcs2")

// Encode implements scs.Codec. String values, the common case, are copied
// once, straight into the blob; others are encoded into a scratch buffer
// first. The blob refers to the session's states (see Store), never holds
// them.
func (Codec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	st := stateOf(values)
	size := len(fastMagic) + 4*binary.MaxVarintLen64 + 16
	for k, v := range values {
		size += len(k) + 1 + 16 + 3*binary.MaxVarintLen32
		switch x := v.(type) {
		case string:
			size += len(x)
		case []byte:
			size += len(x)
		default:
			size += 32
		}
	}
	n := 0
	for k, v := range values {
		if !reserved(k, v) {
			n++
		}
	}
	b := appendHeader(make([]byte, 0, size), deadline, n)
	var scratch []byte
	for k, v := range values {
		if reserved(k, v) {
			continue
		}
		if str, ok := v.(string); ok { // the common case, without a copy
			b = appendEntry(b, hashcodec.FieldName(k), hashcodec.TypeString, str)
			continue
		}
		var t hashcodec.Type
		var err error
		if scratch, t, err = hashcodec.AppendEncode(scratch[:0], v); err != nil {
			return nil, fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: k, Err: err})
		}
		b = appendEntry(b, hashcodec.FieldName(k), t, scratch)
	}
	return wire.Append(b, appendRefs(st, values)), nil
}

// appendRefs returns the state section of a commit's blob: a reference to
// the session data's own state, then one to each state the values carry
// (their own, unless Clear or Destroy removed it; and those of sessions
// MergeSession copied over).
func appendRefs(own *sessionState, values map[string]any) []byte {
	ref, _ := own.MarshalBinary()
	for k, v := range values {
		if st, ok := v.(*sessionState); ok && isStateKey(k) {
			r, _ := st.MarshalBinary()
			ref = append(ref, r...)
		}
	}
	return ref
}

// Decode implements scs.Codec. It also reads scs.GobCodec blobs. The
// values it returns include the store's reserved value (see
// LoadedStatePrefix).
func (Codec) Decode(b []byte) (time.Time, map[string]any, error) {
	if !isFastBlob(b) {
		return GobCodec{}.Decode(b)
	}
	deadline, entries, state, err := decodeBlob(b)
	if err != nil {
		return time.Time{}, nil, err
	}
	values, err := decodeValues(entries)
	if err != nil {
		return time.Time{}, nil, err
	}
	switch {
	case len(state) > 0 && (state[0] == formWhole || state[0] == formOverEntries): // a Find blob
		st, err := decodeStateOver(state, entries)
		if err != nil {
			return time.Time{}, nil, err
		}
		carry(values, st)
	case len(state) > 0: // what Encode wrote: it stays this session data's
		states, err := decodeRefs(state)
		if err != nil {
			return time.Time{}, nil, err
		}
		if states[0] != nil {
			associate(values, states[0])
		}
	}
	return deadline, values, nil
}

// carry makes st the state of values both ways: by the map's identity,
// which survives Clear, and as a reserved value, which MergeSession copies
// into another session's values and Clear and Destroy remove.
func carry(values map[string]any, st *sessionState) {
	associate(values, st)
	values[st.tag()] = st
}

// reserved reports whether a value is the store's own, never a user value.
func reserved(k string, v any) bool {
	if _, ok := v.(*sessionState); ok {
		return true
	}
	return isStateKey(k)
}

func isFastBlob(b []byte) bool { return bytes.HasPrefix(b, fastMagic) }

func isFastCodec(c scs.Codec) bool {
	switch c.(type) {
	case Codec, *Codec:
		return true
	}
	return false
}

// encodeBlob lays out a Codec blob: magic, deadline, entry count, then
// field, type and bytes of each entry, then the session's state.
func encodeBlob(deadline time.Time, entries []sessionhash.Entry, state []byte) []byte {
	size := len(fastMagic) + 4*binary.MaxVarintLen64 + len(state)
	for _, e := range entries {
		size += e.Size() + len(e.Type) + 3*binary.MaxVarintLen32
	}
	b := appendHeader(make([]byte, 0, size), deadline, len(entries))
	for _, e := range entries {
		b = appendEntry(b, e.Field, e.Type, e.Raw)
	}
	return wire.Append(b, state)
}

// appendHeader writes the magic, the deadline (Unix seconds and
// nanoseconds: every time.Time fits, years past 2262 included) and the
// entry count.
func appendHeader(b []byte, deadline time.Time, n int) []byte {
	b = append(b, fastMagic...)
	if deadline.IsZero() {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendVarint(b, deadline.Unix())
		b = binary.AppendUvarint(b, uint64(deadline.Nanosecond()))
	}
	return binary.AppendUvarint(b, uint64(n))
}

func appendEntry[T ~string | ~[]byte](b []byte, field string, t hashcodec.Type, raw T) []byte {
	b = wire.Append(b, field)
	b = wire.Append(b, string(t))
	return wire.Append(b, raw)
}

// decodeBlob parses a Codec blob into its deadline, entries and state.
func decodeBlob(b []byte) (time.Time, []sessionhash.Entry, []byte, error) {
	r := wire.NewReader(b[len(fastMagic):])
	var deadline time.Time
	switch r.Byte() {
	case 1:
		sec, nsec := r.Varint(), r.Uvarint()
		if nsec >= 1e9 {
			return time.Time{}, nil, nil, fmt.Errorf("scsstore: codec blob: %w", wire.ErrMalformed)
		}
		deadline = time.Unix(sec, int64(nsec)).UTC()
	case 0:
	default:
		return time.Time{}, nil, nil, fmt.Errorf("scsstore: codec blob: %w", wire.ErrMalformed)
	}
	n := r.Count()
	entries := make([]sessionhash.Entry, 0, n)
	parts := make([][]byte, 0, 2*n) // field, raw, field, raw, ...
	for i := 0; i < n && r.Err() == nil; i++ {
		parts = append(parts, r.Bytes())
		typ := hashcodec.ParseType(r.Bytes())
		parts = append(parts, r.Bytes())
		entries = append(entries, sessionhash.Entry{Type: typ})
	}
	state := r.Bytes()
	if err := r.Done(); err != nil {
		return time.Time{}, nil, nil, fmt.Errorf("scsstore: codec blob: %w", err)
	}
	strs := wire.Strings(parts) // one copy of the whole blob, shared by every entry
	for i := range entries {
		entries[i].Field, entries[i].Raw = strs[2*i], strs[2*i+1]
	}
	return deadline, entries, state, nil
}

// encodeValues encodes a session's values as hash entries, all bytes in one
// allocation, leaving out the store's own reserved values.
func encodeValues(values map[string]any) ([]sessionhash.Entry, error) {
	entries := make([]sessionhash.Entry, 0, len(values))
	ends := make([]int, 0, len(values))
	arena := make([]byte, 0, 32*len(values))
	for k, v := range values {
		if reserved(k, v) {
			continue
		}
		var t hashcodec.Type
		var err error
		if arena, t, err = hashcodec.AppendEncode(arena, v); err != nil {
			return nil, fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: k, Err: err})
		}
		entries = append(entries, sessionhash.Entry{Field: hashcodec.FieldName(k), Type: t})
		ends = append(ends, len(arena))
	}
	all, start := string(arena), 0
	for i := range entries {
		entries[i].Raw = all[start:ends[i]]
		start = ends[i]
	}
	return entries, nil
}

// decodeValues turns stored entries back into a values map with exact Go
// types. Corrupt data gives an error naming the field.
func decodeValues(entries []sessionhash.Entry) (map[string]any, error) {
	values := make(map[string]any, len(entries))
	for _, e := range entries {
		key, ok := hashcodec.UserKey(e.Field)
		if !ok {
			return nil, notAStringKey(e.Field)
		}
		v, err := hashcodec.Decode(e.Raw, e.Type)
		if err != nil {
			return nil, fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: key, Err: err})
		}
		values[key] = v
	}
	return values, nil
}

// notAStringKey reports a stored field that scs cannot hold: a map key
// that is not a string (written by gorillastore or hashcodec).
func notAStringKey(field string) error {
	return fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: field,
		Err: fmt.Errorf("%w: not a string key, which scs cannot hold", hashcodec.ErrCorrupt)})
}

// checkEntries verifies that entries can become a values map: string keys
// only, known types, text that parses as its type. It lets Find report
// corrupt data itself (naming the field) instead of handing scs a blob it
// cannot decode. A gob value is checked too when deep is set (listings,
// which skip what does not decode); Find leaves it to Decode, which names
// the field as well, rather than decode it twice.
func checkEntries(entries []sessionhash.Entry, deep bool) error {
	for _, e := range entries {
		if _, ok := hashcodec.UserKey(e.Field); !ok {
			return notAStringKey(e.Field)
		}
		switch e.Type {
		case hashcodec.TypeString, hashcodec.TypeBytes:
			continue
		case hashcodec.TypeGob:
			if !deep {
				continue
			}
		}
		if _, err := hashcodec.Decode(e.Raw, e.Type); err != nil {
			return fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: e.Field, Err: err})
		}
	}
	return nil
}
