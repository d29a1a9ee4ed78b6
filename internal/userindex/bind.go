package userindex

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// Cover returns how long an index entry must cover a session that expires
// at expiry (Unix ms) and slides by window (ms): two windows past its
// expiry, so that the entry needs extending at most once per window, but
// never past the session's deadline (0 for none), which it cannot outlive.
func Cover(expiry, window, deadline int64) int64 {
	c := expiry + 2*window
	if deadline > 0 && (c > deadline || window == 0) {
		c = deadline
	}
	return c
}

// short reports whether a cover leaves less than one window of headroom
// past expiry (unless the deadline is closer): the entry must be extended
// before the session slides past it.
func short(cover, expiry, window, deadline int64) bool {
	return cover < sessionhash.Capped(expiry+window, deadline)
}

// binding is what a write does to the user index: the step before it, the
// metadata it writes, and the tidy-up after it.
type binding struct {
	step               *Step
	user, token        string // after the write
	oldUser, oldToken  string // before it
	cover              int64
	guard, bind, unset bool // how the write records it (see apply)
}

// plan decides the binding of a commit. The session continues its loaded
// binding when the write continues the session itself (c.Continues) with
// the same user: an extension when the cover runs short, a new entry when
// the token changes. Any other user is a new binding (a login, a
// rebinding); no user unbinds.
func (ix Index) plan(c *sessionhash.Commit) *binding {
	b := &binding{user: c.User, token: c.Token}
	var oldCover int64
	if c.Loaded != nil {
		b.oldToken = strings.TrimPrefix(c.Loaded.Key, ix.Prefix)
		b.oldUser = c.Loaded.Meta[layout.User]
		oldCover = sessionhash.ParseInt(c.Loaded.Meta[layout.UserUntil])
	}
	if b.user == "" {
		b.unset = b.oldUser != ""
		return b
	}
	expiry := c.Expiry
	if expiry == 0 && c.Loaded != nil {
		expiry = max(c.Loaded.Expiry, c.Deadline)
	}
	b.cover = Cover(expiry, c.Window, c.Deadline)
	continues := c.Continues && b.oldUser == b.user && b.oldToken != "" && oldCover > 0
	switch {
	case !continues:
		b.step = &Step{User: b.user, Token: b.token, Cover: b.cover}
		if from := ix.mergedFrom(c, b.user); from != "" {
			// The binding came with a merged session: it carries on theirs,
			// which a revocation may have ended.
			b.step.Continue, b.step.From = true, from
		}
		b.bind = true
	case b.token != b.oldToken:
		b.step = &Step{Continue: true, User: b.user, Token: b.token, From: b.oldToken, Cover: b.cover}
		b.bind = true
	case short(oldCover, expiry, c.Window, c.Deadline):
		b.step = &Step{Continue: true, User: b.user, Token: b.token, From: b.token, Cover: b.cover}
		b.guard = true
	}
	return b
}

// mergedFrom returns the token of a merged session bound to user (with a
// cover), or "".
func (ix Index) mergedFrom(c *sessionhash.Commit, user string) string {
	for _, m := range c.Merged {
		if m.Meta[layout.User] == user && sessionhash.ParseInt(m.Meta[layout.UserUntil]) > 0 {
			return strings.TrimPrefix(m.Key, ix.Prefix)
		}
	}
	return ""
}

// apply puts the binding into the write: a new binding records #user and
// its cover; an extension its cover, applied only while the session is
// still bound to this user (so that a request that loaded an old binding
// cannot extend the session past the cover of whoever rebound it
// meanwhile); an unbinding removes both.
func (b *binding) apply(c *sessionhash.Commit) {
	if u := c.Update; u != nil {
		switch {
		case b.bind:
			u.Meta = append(u.Meta, layout.User, b.user)
			u.Cover = b.cover
		case b.guard:
			u.Cover, u.CoverUser = b.cover, b.user
		case b.unset:
			u.Del = append(u.Del, layout.User, layout.UserUntil)
		}
		return
	}
	switch {
	case b.user != "":
		c.Create.User, c.Create.Cover = b.user, b.cover
	case b.unset || c.Binds:
		c.Create.User = sessionhash.Unbind
	}
}

// after tidies the index once the write is done: it removes the entry the
// write made stale, the old user's, when the session was rebound, unbound
// or renewed.
//
// It is best effort and reports nothing: the session is already written,
// and failing the request now would lose it (the framework would not send
// its cookie, and a renewal has already deleted the old key). What a
// failure leaves is harmless: a stale entry ends with its cover.
func (b *binding) after(ctx context.Context, ix Index, c *sessionhash.Commit) {
	user, oldUser, oldToken := b.user, b.oldUser, b.oldToken
	if cr := c.Created; cr != nil && cr.Replaced {
		// A write that replaced a live session it had not loaded: the
		// session's binding was the stored one.
		user, oldUser, oldToken = cr.User, cr.OldUser, b.token
	}
	if oldUser != "" && (oldUser != user || oldToken != b.token) {
		_ = ix.Remove(ctx, oldUser, oldToken)
	}
}

// Hook is the sessionhash.Hook that keeps the index right around every
// commit: the index step first (a refused one makes the commit
// sessionhash.ErrGone, writing nothing), the binding into the write, and
// the tidy-up once it is done.
func (ix Index) Hook(next sessionhash.CommitFunc) sessionhash.CommitFunc {
	return func(ctx context.Context, c *sessionhash.Commit) error {
		b := ix.plan(c)
		if b.step != nil {
			ok, err := ix.Add(ctx, *b.step)
			if err != nil {
				return err
			}
			if !ok {
				return sessionhash.ErrGone // the binding it carries on was revoked
			}
		}
		b.apply(c)
		if err := next(ctx, c); err != nil {
			return err
		}
		b.after(ctx, ix, c)
		return nil
	}
}

// Refresh extends the index cover of a bound session that a load just slid
// by window (ms), when the cover leaves less than one window of headroom,
// and records the new cover on the session. It costs round trips only
// then: about once per window. It returns sessionhash.ErrGone when the
// binding was revoked meanwhile (the session is about to be ended: treat
// it as gone).
func (ix Index) Refresh(ctx context.Context, c redis.Scripter, token string, rec *sessionhash.Record, window int64) error {
	user := rec.Meta[layout.User]
	if user == "" {
		return nil
	}
	deadline, expiry := rec.Int(layout.Deadline), rec.Expiry
	cover := rec.Int(layout.UserUntil)
	if !short(cover, expiry, window, deadline) {
		return nil
	}
	cover = Cover(expiry, window, deadline)
	ok, err := ix.Add(ctx, Step{Continue: true, User: user, Token: token, From: token, Cover: cover})
	if err != nil {
		return err
	}
	if !ok {
		return sessionhash.ErrGone
	}
	u := &sessionhash.Update{Key: rec.Key, Cover: cover, CoverUser: user}
	if err := u.Run(ctx, c, rec.LoadedAt, hashcodec.Limits{}); err != nil {
		return err
	}
	rec.Meta[layout.UserUntil] = strconv.FormatInt(cover, 10)
	return nil
}

// BindLoaded binds the session at key (named token in the index) to user,
// or unbinds it when user is "", as the session is now in Redis. It never
// creates the session: a missing one gives hashcodec.ErrNotFound.
func (ix Index) BindLoaded(ctx context.Context, token, key, user string) error {
	now := layout.Now()
	rec, err := sessionhash.Load(ctx, ix.Client, key, now, 0)
	if err != nil {
		return err
	}
	if rec == nil {
		return hashcodec.ErrNotFound
	}
	c := &sessionhash.Commit{
		Update: &sessionhash.Update{Key: key}, Token: token, Loaded: sessionhash.NewSnapshot(rec),
		Continues: true, User: user, Window: rec.Window(), Deadline: rec.Int(layout.Deadline), Now: now,
	}
	err = sessionhash.Run(ix.Client, ix.Hook)(ctx, c)
	if errors.Is(err, sessionhash.ErrGone) {
		return hashcodec.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	return nil
}

// FormatUser turns a session value into a user ID: strings as they are,
// anything else as fmt.Sprint prints it (42 -> "42"). nil and "" mean no
// user.
func FormatUser(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}
