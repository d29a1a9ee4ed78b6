package scsstore

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/redis-session/redis-session-go/internal/wire"
)

// GobCodec is scs.GobCodec's format plus what the store needs to write
// deltas: it reads every scs.GobCodec blob, and the store reads every
// blob it writes. It is what Store.Codec returns unless WithCodec chose
// another; set sessionManager.Codec = store.Codec(). With scs's own
// GobCodec the store still works, with the weaker guarantees Store lists.
type GobCodec struct{}

// gobMagic starts the blobs GobCodec.Encode writes (never the ones Find
// returns, which are plain scs.GobCodec blobs): a zero byte, which no gob
// stream starts with, then the session's state reference.
var gobMagic = []byte("\x00hcsg")

// gobBlob is scs.GobCodec's layout; gob matches it by field names.
type gobBlob struct {
	Deadline time.Time
	Values   map[string]interface{}
}

// Encode implements scs.Codec: scs.GobCodec's encoding of the values
// (with the reserved values as references to their states), after a
// reference to the session data's own state.
func (GobCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	st := stateOf(values)
	ref, _ := st.MarshalBinary()
	var buf bytes.Buffer
	buf.Write(gobMagic)
	buf.Write(wire.Append(nil, ref))
	if err := gob.NewEncoder(&buf).Encode(&gobBlob{Deadline: deadline, Values: values}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode implements scs.Codec. The store's state, which a Find blob
// carries as a reserved value, stays in the values (see LoadedStatePrefix)
// and is kept with the map as well.
func (GobCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if bytes.HasPrefix(b, gobMagic) {
		_, gobPart, err := splitGobBlob(b)
		if err != nil {
			return time.Time{}, nil, err
		}
		b = gobPart
	}
	deadline, values, err := scs.GobCodec{}.Decode(b)
	if err != nil {
		return time.Time{}, nil, err
	}
	var own *sessionState
	for k, v := range values {
		if st, ok := v.(*sessionState); ok || isStateKey(k) {
			delete(values, k) // (a reference never travels in a Find blob)
			if ok && !st.ref {
				own = st
			}
		}
	}
	if own != nil {
		carry(values, own)
	}
	return deadline, values, nil
}

// splitGobBlob splits what GobCodec.Encode wrote into the state reference
// and the gob stream.
func splitGobBlob(b []byte) (ref, rest []byte, err error) {
	r := wire.NewReader(b[len(gobMagic):])
	ref = r.Bytes()
	if r.Err() != nil {
		return nil, nil, fmt.Errorf("scsstore: gob blob: %w", r.Err())
	}
	return ref, b[len(b)-r.Len():], nil
}
