package scsstore

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// commitInput is a committed blob, decoded.
type commitInput struct {
	deadline time.Time
	entries  []sessionhash.Entry
	// own is the state of the session data itself (the store's codecs);
	// carried are the states among the values: the session data's own,
	// unless Clear or Destroy removed it, and those of sessions
	// MergeSession copied over (with scs's GobCodec, the only states).
	own     *sessionState
	carried []*sessionState
}

// parseCommit decodes a committed blob.
func (s *Store) parseCommit(b []byte) (*commitInput, error) {
	in := &commitInput{}
	if isFastBlob(b) != isFastCodec(s.codec) {
		// Loads would hand scs blobs its codec cannot read: say so now,
		// rather than fail every later request with a decoding error.
		return nil, ErrCodecMismatch
	}
	if isFastBlob(b) {
		deadline, entries, refs, err := decodeBlob(b)
		if err != nil {
			return nil, err
		}
		in.deadline, in.entries = deadline, entries
		states, err := decodeRefs(refs)
		if err != nil {
			return nil, err
		}
		if len(states) > 0 {
			in.own, in.carried = states[0], states[1:]
		}
		return in, nil
	}
	codec := s.plainCodec()
	if bytes.HasPrefix(b, gobMagic) {
		ref, rest, err := splitGobBlob(b)
		if err != nil {
			return nil, err
		}
		st, err := decodeState(ref)
		if err != nil {
			return nil, err
		}
		in.own, b, codec = st.live(), rest, scs.GobCodec{}
	}
	deadline, values, err := codec.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("scsstore: decode commit: %w", err)
	}
	for k, v := range values {
		if st, ok := v.(*sessionState); ok && isStateKey(k) {
			if l := st.live(); l != nil {
				in.carried = append(in.carried, l)
			}
		}
	}
	in.deadline = deadline
	in.entries, err = encodeValues(values)
	return in, err
}

// seen is a state with its snapshot as a commit found it.
type seen struct {
	st   *sessionState
	snap *sessionhash.Snapshot
}

// sortStates sorts a commit's states. base is the one that saw the session
// at key (its snapshot is nil when none did: then base.st is the session
// data's own state, if any, for a new session). carried are the others
// whose values the commit carries on, each a live session the request
// deleted itself: the loaded session of a renewed token (the session
// data's own state, when Clear or Destroy did not remove it from the
// values) and the sessions MergeSession moved in, once each.
func (s *Store) sortStates(key string, in *commitInput) (base seen, carried []seen) {
	if in.own != nil {
		base.st = in.own
		if s.saw(in.own, key) {
			base.snap = in.own.get()
		}
	}
	for _, st := range in.carried {
		if base.snap == nil && s.saw(st, key) {
			base = seen{st, st.get()}
		}
	}
	taken := map[string]bool{key: true}
	if base.snap != nil {
		taken[base.snap.Key] = true
	}
	for _, st := range in.carried {
		if snap := st.get(); snap != nil && !taken[snap.Key] {
			taken[snap.Key] = true
			carried = append(carried, seen{st, snap})
		}
	}
	return base, carried
}

// saw reports whether st's snapshot is of the session at key: its own key,
// or, for scs's Iterate under HashTokenInStore (which hands back the
// stored hash as the token and hashes it again), the key of that token's
// hash.
func (s *Store) saw(st *sessionState, key string) bool {
	if st.names(key) {
		return true
	}
	snap := st.get()
	return snap != nil && strings.HasPrefix(snap.Key, s.prefix) &&
		key == s.key(hashToken(strings.TrimPrefix(snap.Key, s.prefix)))
}

// remember records what a successful commit stored: in the base state,
// or, for a commit without one (scs's GobCodec renewing a token), in the
// state it continued; the other states it carried on are consumed, so that
// a later commit in the request does not carry them again.
func (s *Store) remember(base seen, carried []seen, stored *sessionhash.Snapshot) {
	target := base.st
	if target == nil && len(carried) > 0 {
		target = carried[0].st
	}
	for _, m := range carried {
		if m.st != target {
			m.st.set(nil)
		}
	}
	if target != nil {
		target.set(stored)
	}
}
