package scsstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
// a renewed token (or the values of a session MergeSession moved into a
// new one), the session whole under the new token, but only if the request
// itself ended the old session while it was alive; for values merged into
// the loaded session, the delta, on the same condition for every merged
// session; for a new session, or the values of a request that cleared
// what it loaded, the session whole, unless a tombstone says it was
// deleted. Limits are checked against what is stored, atomically with the
// write. A time after the year 9999 is an error wrapping
// hashcodec.ErrTimeRange. The write is not aborted when ctx is cancelled;
// the store's timeout bounds it instead.
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
	base, carried := s.sortStates(key, in)
	if base.snap != nil {
		key = base.snap.Key // (scs's Iterate under HashTokenInStore: see saw)
	}
	runCtx, cancel := sessionhash.DetachedContext(ctx, s.timeout)
	defer cancel()
	if x <= now {
		// An expiry already past (SetDeadline in the past): the session ends.
		if _, err := sessionhash.Delete(runCtx, s.client, key, s.prefix, now); err != nil {
			return fmt.Errorf("scsstore: commit: %w", err)
		}
		return nil
	}
	meta := map[string]string{
		layout.Deadline: sessionhash.FormatInt(d),
		layout.Idle:     sessionhash.FormatInt(window),
	}
	c := s.plan(key, in, meta, base, carried, instant{now: now, expiry: x, window: window, deadline: d})
	if len(carried) > 0 {
		// The values of sessions this request deleted itself move on only
		// if those deletes ended them alive: not if a logout or a
		// revocation, on any instance, ended them as well. Handed over,
		// a logout of any of them from now on ends this session too.
		keys := make([]string, len(carried))
		for i, m := range carried {
			keys[i] = m.snap.Key
		}
		if ok, err := sessionhash.HandOver(runCtx, s.client, key, keys...); err != nil || !ok {
			return s.commitErr(err) // nothing is written; later commits are refused alike
		}
	}
	err = sessionhash.Run(s.client, s.index().Hook)(runCtx, c)
	if errors.Is(err, sessionhash.ErrGone) {
		return nil // deleted or expired meanwhile: nothing is brought back
	}
	if err != nil {
		return s.commitErr(err)
	}
	s.remember(base, carried, c.Result(in.entries, meta))
	return nil
}

// instant holds a commit's times (Unix ms): now, the expiry scs asked
// for, the sliding window recorded and the absolute deadline.
type instant struct{ now, expiry, window, deadline int64 }

// plan decides what a commit writes at key: a delta of the session base
// saw; a renewed token's or a merge's values, whole, as the continuation
// of the first session carried; or a new session.
func (s *Store) plan(key string, in *commitInput, meta map[string]string, base seen, carried []seen, at instant) *sessionhash.Commit {
	now, x := at.now, at.expiry
	c := &sessionhash.Commit{
		Token: strings.TrimPrefix(key, s.prefix), Now: now, Limits: s.limits,
		Expiry: x, Window: at.window, Deadline: at.deadline, Binds: s.userKey != "",
	}
	for _, m := range carried {
		c.Merged = append(c.Merged, m.snap)
	}
	switch {
	case base.snap != nil: // the session the request saw
		u := base.snap.Plan(in.entries, meta)
		u.Expiry = x
		if base.snap.Slid(at.window, at.deadline, now) {
			u.Expiry = 0
		}
		c.Update, c.Loaded, c.Continues = u, base.snap, true
		c.User = s.userOf(in.entries, base.snap.Meta[layout.User])
	case len(carried) > 0: // a renewed token, or a merge into a new session
		c.Loaded, c.Merged, c.Continues = carried[0].snap, c.Merged[1:], true
		c.Create = sessionhash.NewCreate(key, in.entries, meta)
		c.Create.Created = sessionhash.ParseInt(c.Loaded.Meta[layout.Created])
		c.User = s.userOf(in.entries, c.Loaded.Meta[layout.User])
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
	return c
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
