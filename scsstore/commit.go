package scsstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
	"github.com/redis-session/redis-session-go/internal/userindex"
)

// Commit implements scs.Store; see CommitCtx.
func (s *Store) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// CommitCtx implements scs.CtxStore. It stores the session with an expiry
// of exactly expiry (an expiry in the past ends the session), never later.
//
// What it writes depends on what the request last saw of the session (see
// Store): for the session it loaded, or last committed, only what changed,
// and nothing at all if the session was deleted or expired meanwhile; for
// a renewed token, the session whole under the new token, but only if the
// renewal itself ended the old session while it was alive; for a new
// session, or the values of a request that cleared what it loaded, the
// session whole, unless a tombstone says it was deleted. Limits are checked
// against what is stored, atomically with the write. A time after the year
// 9999 is an error wrapping hashcodec.ErrTimeRange. The write is not aborted
// when ctx is cancelled; the store's timeout bounds it instead.
func (s *Store) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if s.configErr != nil {
		return s.configErr
	}
	if !s.validToken(token) {
		return ErrInvalidToken
	}
	in, err := s.parseCommit(b)
	if err != nil {
		return err
	}
	now := layout.Now()
	x, err := layout.Millis(expiry)
	if err != nil {
		return fmt.Errorf("scsstore: commit: expiry: %w", err)
	}
	d, err := layout.Millis(in.deadline)
	if err != nil {
		return fmt.Errorf("scsstore: commit: deadline: %w", err)
	}
	window := s.windowAt(expiry, in.deadline)
	key := s.key(token)
	st, base := s.base(key, in)
	if base != nil && base.Key != key && strings.HasPrefix(base.Key, s.prefix) &&
		key == s.key(hashToken(strings.TrimPrefix(base.Key, s.prefix))) {
		// scs's Iterate under HashTokenInStore hands back the stored hash as
		// the token and hashes it again: this is still the session that
		// was loaded, not a new one.
		key = base.Key
	}
	runCtx, cancel := sessionhash.DetachedContext(ctx, s.timeout)
	defer cancel()
	if x <= now {
		// An expiry already past (SetDeadline in the past): the session ends.
		if _, err := sessionhash.Delete(runCtx, s.client, key, now); err != nil {
			return fmt.Errorf("scsstore: commit: %w", err)
		}
		if st != nil {
			st.set(nil)
		}
		return nil
	}
	meta := map[string]string{
		layout.Deadline: sessionhash.FormatInt(d),
		layout.Idle:     sessionhash.FormatInt(window),
	}
	c := &sessionhash.Commit{
		Token: strings.TrimPrefix(key, s.prefix), Now: now, Limits: s.limits,
		Expiry: x, Window: window, Deadline: d, Binds: s.userKey != "",
	}
	switch {
	case base != nil && base.Key == key: // the session the request saw
		u := base.Plan(in.entries, meta)
		u.Expiry = x
		if base.Slid(window, d, now) {
			u.Expiry = 0
		}
		c.Update, c.Loaded, c.Continues = u, base, true
		c.User = s.userOf(in.entries, base.Meta[layout.User])
	case base != nil && base.Kept(in.entries): // a renewed token
		if ok, err := sessionhash.EndedAlive(runCtx, s.client, base.Key); err != nil || !ok {
			if st != nil {
				st.set(nil)
			}
			return s.commitErr(err) // a logout or revocation beat the renewal
		}
		c.Create = sessionhash.NewCreate(key, in.entries, meta)
		c.Create.Created = sessionhash.ParseInt(base.Meta[layout.Created])
		c.Loaded, c.Continues = base, true
		c.User = s.userOf(in.entries, base.Meta[layout.User])
	default: // a new session, or values that kept nothing of the load
		c.Create = sessionhash.NewCreate(key, in.entries, meta)
		c.User = s.userOf(in.entries, "")
	}
	if c.Create != nil {
		if c.Create.Created <= 0 {
			c.Create.Created = now
		}
		c.Create.Expiry = x
	}
	err = sessionhash.Run(s.client, s.index().Hook)(runCtx, c)
	if errors.Is(err, sessionhash.ErrGone) {
		if st != nil {
			st.set(nil)
		}
		return nil // deleted or expired meanwhile: nothing is brought back
	}
	if err != nil {
		return s.commitErr(err)
	}
	if st != nil {
		st.set(c.Result(in.entries, meta))
	}
	return nil
}

func (s *Store) commitErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("scsstore: commit: %w", err)
}

// windowAt returns the sliding window (ms) to record: the configured one,
// or the one scs used for this commit (expiry = min(deadline,
// now+IdleTimeout)), which is IdleTimeout less the moments since scs read
// its clock. Loads slide by it, so it must never be longer than
// IdleTimeout: it is cut to the millisecond, then taken up to the whole
// second when that is at most 2 ms away (an IdleTimeout of whole seconds
// then reads the same at every commit, and one within 2 ms below a whole
// second counts as that second). Zero means no window: the expiry is the
// deadline.
func (s *Store) windowAt(expiry, deadline time.Time) int64 {
	if s.idle > 0 {
		return layout.DurationMillis(s.idle)
	}
	if !expiry.Before(deadline) {
		return 0
	}
	w := time.Until(expiry).Milliseconds()
	if up := (w/1000 + 1) * 1000; up-w <= 2 {
		w = up
	}
	return max(w, 1)
}

// userOf returns the user the session is bound to after a commit: the
// value under the user key (WithUserKey), or else the inherited binding.
func (s *Store) userOf(entries []sessionhash.Entry, inherited string) string {
	if s.userKey == "" {
		return inherited
	}
	field := hashcodec.FieldName(s.userKey)
	for _, e := range entries {
		if e.Field == field {
			v, _ := hashcodec.Decode(e.Raw, e.Type)
			return userindex.FormatUser(v)
		}
	}
	return ""
}

// commitInput is a committed blob, decoded.
type commitInput struct {
	deadline time.Time
	entries  []sessionhash.Entry
	// own is the state of the session data itself (the store's codecs);
	// carried are states found among the values (scs's GobCodec), possibly
	// of other sessions that MergeSession copied over.
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
		deadline, entries, state, err := decodeBlob(b)
		if err != nil {
			return nil, err
		}
		in.deadline, in.entries = deadline, entries
		if len(state) > 0 {
			st, err := decodeState(state)
			if err != nil {
				return nil, err
			}
			in.own = st.live()
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
	for _, v := range values {
		if st, ok := v.(*sessionState); ok {
			if l := st.live(); l != nil {
				in.carried = append(in.carried, l)
			}
		}
	}
	in.deadline = deadline
	in.entries, err = encodeValues(values)
	return in, err
}

// base returns the state to diff a commit of key against and its
// snapshot: the state that saw this very session; else, for a commit under
// another key, the session data's own state (or the first carried one
// whose values the commit kept), whose snapshot is of another key (a
// renewal) or nil (a new session). It returns nil, nil when the commit has
// no state at all (scs's GobCodec, after Clear or for a new session).
func (s *Store) base(key string, in *commitInput) (*sessionState, *sessionhash.Snapshot) {
	all := in.carried
	if in.own != nil {
		all = append([]*sessionState{in.own}, in.carried...)
	}
	for _, st := range all {
		if snap := st.get(); snap != nil && (snap.Key == key ||
			key == s.key(hashToken(strings.TrimPrefix(snap.Key, s.prefix)))) {
			return st, snap
		}
	}
	if in.own != nil {
		return in.own, in.own.get()
	}
	for _, st := range in.carried {
		if snap := st.get(); snap != nil && snap.Kept(in.entries) {
			return st, snap
		}
	}
	return nil, nil
}
