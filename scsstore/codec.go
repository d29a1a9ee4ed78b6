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
// once (by Decode), instead of twice each way through gob.
//
// Use it on both sides:
//
//	store := scsstore.New(rdb, scsstore.WithCodec(scsstore.Codec{}))
//	sessionManager.Store = store
//	sessionManager.Codec = store.Codec()
//
// Values round-trip with their exact Go types, as with scs.GobCodec
// (custom types still need gob.Register). Decode also reads scs.GobCodec
// blobs, so a mismatched configuration fails loudly at worst, never
// silently.
type Codec struct{}

// fastMagic starts every Codec blob. A gob stream never starts with a zero
// byte (its first byte is a non-zero message length), so the two formats
// cannot be confused.
var fastMagic = []byte("\x00hcs1")

// Encode implements scs.Codec.
func (Codec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	entries, err := encodeValues(values)
	if err != nil {
		return nil, err
	}
	return encodeBlob(deadline, entries), nil
}

// Decode implements scs.Codec.
func (Codec) Decode(b []byte) (time.Time, map[string]any, error) {
	if !isFastBlob(b) {
		return scs.GobCodec{}.Decode(b)
	}
	deadline, entries, err := decodeBlob(b)
	if err != nil {
		return time.Time{}, nil, err
	}
	values, err := decodeValues(entries)
	return deadline, values, err
}

func isFastBlob(b []byte) bool { return bytes.HasPrefix(b, fastMagic) }

func isFastCodec(c scs.Codec) bool {
	switch c.(type) {
	case Codec, *Codec:
		return true
	}
	return false
}

// encodeBlob lays out a Codec blob: magic, deadline (Unix ns, 0 for the
// zero time), entry count, then field, type and bytes of each entry.
func encodeBlob(deadline time.Time, entries []sessionhash.Entry) []byte {
	size := len(fastMagic) + 2*binary.MaxVarintLen64
	for _, e := range entries {
		size += e.Size() + len(e.Type) + 3*binary.MaxVarintLen32
	}
	b := make([]byte, 0, size)
	b = append(b, fastMagic...)
	var ns int64
	if !deadline.IsZero() {
		ns = deadline.UnixNano()
	}
	b = binary.AppendVarint(b, ns)
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for _, e := range entries {
		b = wire.AppendString(b, e.Field)
		b = wire.AppendString(b, string(e.Type))
		b = wire.AppendBytes(b, e.Raw)
	}
	return b
}

// decodeBlob parses a Codec blob. Entries alias b.
func decodeBlob(b []byte) (time.Time, []sessionhash.Entry, error) {
	r := wire.NewReader(b[len(fastMagic):])
	var deadline time.Time
	if ns := r.Varint(); ns != 0 {
		deadline = time.Unix(0, ns).UTC()
	}
	n := r.Count()
	entries := make([]sessionhash.Entry, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		field := r.String()
		typ := hashcodec.Type(r.String())
		entries = append(entries, sessionhash.Entry{Field: field, Type: typ, Raw: r.Bytes()})
	}
	if err := r.Done(); err != nil {
		return time.Time{}, nil, fmt.Errorf("scsstore: codec blob: %w", err)
	}
	return deadline, entries, nil
}

// encodeValues encodes a session's values as hash entries, all bytes in one
// allocation.
func encodeValues(values map[string]any) ([]sessionhash.Entry, error) {
	entries := make([]sessionhash.Entry, 0, len(values))
	ends := make([]int, 0, len(values))
	arena := make([]byte, 0, 32*len(values))
	for k, v := range values {
		var t hashcodec.Type
		var err error
		if arena, t, err = hashcodec.AppendEncode(arena, v); err != nil {
			return nil, fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: k, Err: err})
		}
		entries = append(entries, sessionhash.Entry{Field: hashcodec.FieldName(k), Type: t})
		ends = append(ends, len(arena))
	}
	start := 0
	for i := range entries {
		entries[i].Raw = arena[start:ends[i]:ends[i]]
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
			return nil, fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: e.Field,
				Err: fmt.Errorf("%w: not a string key, which scs cannot hold", hashcodec.ErrCorrupt)})
		}
		v, err := hashcodec.Decode(e.Raw, e.Type)
		if err != nil {
			return nil, fmt.Errorf("scsstore: %w", &hashcodec.FieldError{Field: key, Err: err})
		}
		values[key] = v
	}
	return values, nil
}
