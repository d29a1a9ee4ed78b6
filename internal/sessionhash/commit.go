package sessionhash

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
)

// Commit is one write of a session the engine is about to run, with what
// hooks need to know about it. Exactly one of Update and Create is set.
type Commit struct {
	Update *Update
	Create *Create

	// Token names the session's key after the write (the key is the
	// store's prefix plus Token); Loaded is what the request last saw of
	// the session (nil for a session it did not load), possibly under
	// another token after a renewal.
	Token  string
	Loaded *Snapshot
	// Merged are the other sessions whose values the write carries on
	// (MergeSession moved them in and deleted them; the store checked they
	// ended alive): a binding to the user one of them was bound to
	// continues theirs.
	Merged []*Snapshot
	// Continues is set when the write carries the loaded session on: an
	// update of it, or a renewal that kept its values. A write that does
	// not continue it (a new session, or the values of a request that
	// cleared what it loaded) starts a new binding.
	Continues bool
	// User is the user the session is bound to after the write ("" for
	// none), as the store decided (its user key, or the loaded binding).
	// Binds says the store decides it from the values (a user key): then a
	// session written whole without a user is unbound, rather than left as
	// the key held it.
	User  string
	Binds bool
	// Expiry, Window and Deadline describe the session after the write
	// (Unix ms, ms, Unix ms; 0 for no window, no deadline).
	Expiry, Window, Deadline int64

	Now    int64
	Limits hashcodec.Limits

	// Created is what a Create left; hooks' After may read it.
	Created *Created
}

// Result returns the snapshot of what the key holds once the commit ran,
// with entries and meta as the values and metadata it wrote.
func (c *Commit) Result(entries []Entry, meta map[string]string) *Snapshot {
	if c.Update != nil {
		return c.Loaded.After(c.Update, entries, c.Now)
	}
	stored := make(map[string]string, len(meta)+3)
	for k, v := range meta {
		stored[k] = v
	}
	expiry := c.Create.Expiry
	if cr := c.Created; cr != nil {
		stored[layout.Created] = FormatInt(cr.Created)
		if cr.User != "" {
			stored[layout.User] = cr.User
			stored[layout.UserUntil] = FormatInt(cr.Cover)
			expiry = Capped(expiry, cr.Cover)
		}
	}
	return NewSnapshot(&Record{Key: c.Create.Key, Entries: entries, Meta: stored, LoadedAt: c.Now, Expiry: expiry})
}

// CommitFunc runs a commit. It returns ErrGone when the session no longer
// exists (or must not be written) and nothing was written.
type CommitFunc func(ctx context.Context, c *Commit) error

// Hook wraps a CommitFunc with work of its own before and after it, in
// go-redis's hook style: an optional feature (the user index) plugs in
// around the write without the engine knowing it.
type Hook func(next CommitFunc) CommitFunc

// Run returns the CommitFunc that runs a commit on client through hooks,
// the first hook outermost. An update's limits are checked by its script
// against what is stored; a session written whole is checked first, in Go
// (Create.CheckLimits).
func Run(client redis.Scripter, hooks ...Hook) CommitFunc {
	run := func(ctx context.Context, c *Commit) error {
		if c.Update != nil {
			if !c.Update.Changes() && c.Update.Expiry == 0 {
				return nil // nothing to write: no round trip
			}
			return c.Update.Run(ctx, client, c.Now, c.Limits)
		}
		created, err := c.Create.Run(ctx, client, c.Now)
		c.Created = created
		return err
	}
	for i := len(hooks) - 1; i >= 0; i-- {
		run = hooks[i](run)
	}
	return func(ctx context.Context, c *Commit) error {
		if c.Create != nil {
			if err := c.Create.CheckLimits(c.Limits, c.Loaded); err != nil {
				return err // before any hook acts
			}
		}
		return run(ctx, c)
	}
}
