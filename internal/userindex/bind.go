package userindex

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

// Cover returns how long an index entry must cover a session that expires
// at expiry: its deadline if it has one (it cannot live longer), else two
// sliding windows past its expiry, so that the entry needs extending at
// most once per window.
func Cover(expiry time.Time, window time.Duration, deadline time.Time) time.Time {
	if !deadline.IsZero() {
		return deadline
	}
	return expiry.Add(2 * window)
}

// Bind describes the user of one session around one write: who it was
// bound to (as loaded) and who it will be bound to. Use it in three steps:
// Before (prepare the index), Apply (add the binding to the write), and,
// once the write ran, After.
type Bind struct {
	Index Index
	// Token is the session's token after the write; OldToken its token as
	// loaded ("" for a new session). They differ after a renewal.
	Token, OldToken string
	// User and OldUser are the user after and before ("" for none).
	User, OldUser string
	// OldCover is the session's #uexp as loaded.
	OldCover time.Time
	// Expiry, Window and Deadline are what the write leaves: the new
	// expiry, the sliding window and the absolute deadline (zero if none).
	Expiry   time.Time
	Window   time.Duration
	Deadline time.Time

	added   bool      // Before added (or extended) an entry
	cover   time.Time // the cover it added
	rebinds bool      // the write changes the binding itself
	unset   bool      // the write unbinds the session
}

// Before adds or extends the index entry the write needs, before the
// session is written, and returns the metadata the write must set.
func (b *Bind) Before(ctx context.Context) (set map[string]string, err error) {
	if b.User == "" {
		b.unset = b.OldUser != "" && b.Token == b.OldToken
		return nil, nil
	}
	cover := Cover(b.Expiry, b.Window, b.Deadline)
	b.rebinds = b.User != b.OldUser || b.Token != b.OldToken || b.OldCover.IsZero()
	extend := b.Expiry.After(b.OldCover) || (b.Window > 0 && cover.Sub(b.OldCover) >= b.Window)
	if !b.rebinds && !extend {
		return nil, nil // the entry already covers this write
	}
	if err := b.Index.Add(ctx, b.User, b.Token, cover); err != nil {
		return nil, err
	}
	b.added, b.cover = true, cover
	if b.rebinds {
		return map[string]string{layout.User: b.User}, nil
	}
	return nil, nil
}

// Apply puts the binding into w: the new cover (for a mere extension,
// only if the session is still bound to this user when w runs, so that a
// request that loaded an old binding cannot extend the session past the
// cover of whoever rebound it meanwhile), and the fields to delete when
// the write unbinds.
func (b *Bind) Apply(w *sessionhash.Write) {
	if b.added {
		w.Cover = b.cover
		if !b.rebinds && !w.Create {
			w.CoverUser = b.User
		}
	}
	if b.unset && !w.Create {
		w.Del = append(w.Del, layout.User, layout.UserUntil)
	}
}

// Write plans the write that leaves entries and meta at the session's key
// (a delta against base: see sessionhash.Plan) with this binding, and runs
// it, the index prepared first (Before, Apply). It returns the write, for
// its Result; sessionhash.ErrGone when the session was deleted or expired
// meanwhile, or when ttl is spent (an expiry already past), which makes
// the write delete the session and leaves no binding to prepare. The
// caller runs After once nothing of the old state can come back.
func (b *Bind) Write(ctx context.Context, c redis.Scripter, base *sessionhash.Snapshot, entries []sessionhash.Entry, meta map[string]string, ttl time.Duration) (*sessionhash.Write, error) {
	key := b.Index.sessionKey(b.Token)
	if ttl <= 0 {
		err := sessionhash.Plan(base, key, entries, meta, ttl).Run(ctx, c)
		if err == nil {
			err = sessionhash.ErrGone
		}
		return nil, err
	}
	set, err := b.Before(ctx)
	if err != nil {
		return nil, err
	}
	maps.Copy(meta, set)
	w := sessionhash.Plan(base, key, entries, meta, ttl)
	b.Apply(w)
	return w, w.Run(ctx, c)
}

// After runs once the write is done: it confirms the entry Before added
// (so that a listing that saw the session before the write cannot prune
// it), and removes the entry the write made stale: the old user's, when
// the session was rebound, unbound or renewed.
//
// It is best effort, and reports nothing: the session is already written,
// and failing the request now would lose it (the framework would not send
// its cookie, and a renewal has already deleted the old key). What a
// failure leaves is harmless: a stale entry is pruned by the next listing
// of its user, and an unconfirmed one is at worst pruned by a listing that
// raced the write, and added back by the session's next extension.
func (b *Bind) After(ctx context.Context) {
	if b.added {
		_ = b.Index.Confirm(ctx, b.User, b.Token, b.cover)
	}
	if b.OldUser != "" && (b.OldUser != b.User || b.OldToken != b.Token) {
		_ = b.Index.Remove(ctx, b.OldUser, b.OldToken)
	}
}

// loaded returns the Bind of a session as loaded at token, for a write
// that keeps its token and lets it slide by window (0: none) under its
// deadline: the furthest a use can move its expiry now. The user stays the
// loaded one unless the caller changes it.
func loaded(ix Index, token string, rec *sessionhash.Record, window time.Duration) *Bind {
	b := &Bind{Index: ix, Token: token, OldToken: token, OldUser: rec.Meta[layout.User],
		OldCover: rec.MetaTime(layout.UserUntil), User: rec.Meta[layout.User],
		Window: window, Deadline: rec.Deadline(), Expiry: time.Now().Add(window)}
	if !b.Deadline.IsZero() && (window == 0 || b.Deadline.Before(b.Expiry)) {
		b.Expiry = b.Deadline
	}
	return b
}

// writeLoaded prepares the index for b (see loaded) and, when the binding
// changes, records it on the session with w, which sets the TTL; then
// tidies the index. It returns sessionhash.ErrGone when the session no
// longer exists.
func (b *Bind) writeLoaded(ctx context.Context, c redis.Scripter, w *sessionhash.Write) error {
	set, err := b.Before(ctx)
	if err != nil {
		return err
	}
	if b.added || b.unset {
		for k, v := range set {
			w.Set = append(w.Set, k, v)
		}
		b.Apply(w)
		if err := w.Run(ctx, c); err != nil {
			return err
		}
	}
	b.After(ctx)
	return nil
}

// ForWrite returns the Bind of a write that leaves the session at key
// with this expiry, window and deadline; loaded is the session as the
// request loaded it (nil for a new one), possibly under another key. The
// user stays the loaded one; the caller overrides User when the app binds
// sessions by a value.
func (ix Index) ForWrite(key string, loaded *sessionhash.Snapshot, expiry time.Time, window time.Duration, deadline time.Time) *Bind {
	b := &Bind{Index: ix, Token: strings.TrimPrefix(key, ix.Prefix), Expiry: expiry, Window: window, Deadline: deadline}
	if loaded != nil {
		b.OldToken = strings.TrimPrefix(loaded.Key, ix.Prefix)
		b.OldUser = loaded.Meta[layout.User]
		b.OldCover = loaded.MetaTime(layout.UserUntil)
	}
	b.User = b.OldUser
	return b
}

// RefreshOnLoad extends the index entry of a bound session that a load
// just slid, when its cover runs short, and records the new cover on the
// session (which must still exist). window is the sliding window the load
// used. It costs round trips only then: about once per window.
func RefreshOnLoad(ctx context.Context, c redis.Scripter, ix Index, token string, rec *sessionhash.Record, window time.Duration) error {
	if rec.Meta[layout.User] == "" || window <= 0 {
		return nil
	}
	b := loaded(ix, token, rec, window)
	err := b.writeLoaded(ctx, c, &sessionhash.Write{Key: rec.Key, TTL: time.Until(b.Expiry)})
	if errors.Is(err, sessionhash.ErrGone) {
		return nil // deleted since the load: there is nothing left to cover
	}
	return err
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

// BindLoaded binds the session at key (named token in the index) to user,
// or unbinds it when user is "", as the session is now in Redis. It never
// creates the session: a missing one gives hashcodec.ErrNotFound.
func BindLoaded(ctx context.Context, c redis.UniversalClient, ix Index, token, key, user string, timeout time.Duration) error {
	ctx, cancel := sessionhash.DetachedContext(ctx, timeout)
	defer cancel()
	rec, ok, err := sessionhash.Load(ctx, c, key, sessionhash.NoSlide)
	if err != nil {
		return err
	}
	if !ok {
		return hashcodec.ErrNotFound
	}
	b := loaded(ix, token, rec, rec.Idle())
	b.User = user
	err = b.writeLoaded(ctx, c, &sessionhash.Write{Key: key, KeepTTL: true})
	if errors.Is(err, sessionhash.ErrGone) {
		return hashcodec.ErrNotFound
	}
	return err
}
