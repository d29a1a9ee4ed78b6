package sessionhash

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/scripts"
)

// ErrGone reports a write that was not applied because the session it
// writes no longer exists (deleted, or expired while the request ran) or
// was deleted for good (its key holds a tombstone). Stores treat it as
// success: the session is over, nothing is resurrected.
var ErrGone = errors.New("session no longer exists")

// TombstoneFloor is the least time a tombstone lives: long enough for the
// requests that were in flight when a session was deleted, however close
// to its expiry, to finish.
const TombstoneFloor = 5 * time.Minute

// Run applies the update in one round trip, at now. Limits are checked
// against what is stored, atomically with the write. It returns ErrGone
// when the session is gone and nothing was written, and an error wrapping
// hashcodec.ErrLimit when the write would take it past limits.
func (u *Update) Run(ctx context.Context, c redis.Scripter, now int64, limits hashcodec.Limits) error {
	nmeta := len(u.Meta) / 2
	counters := len(u.Set)+len(u.DelUser) > 0 // the script fills #n and #b in
	if counters {
		nmeta += 2
	}
	args := make([]any, 0, 13+len(u.Set)+len(u.Meta)+len(u.DelUser)+len(u.Del))
	args = append(args, now, u.Expiry, limits.Fields, limits.Bytes, u.Cover, u.CoverUser,
		len(u.Set)/2, nmeta, len(u.DelUser))
	args = append(args, u.Set...)
	args = append(args, u.Meta...)
	if counters {
		args = append(args, layout.Count, "", layout.Bytes, "")
	}
	for _, f := range u.DelUser {
		args = append(args, f)
	}
	for _, f := range u.Del {
		args = append(args, f)
	}
	n, err := scripts.Commit.Run(ctx, c, []string{u.Key}, args...).Int64()
	if err != nil {
		return writeErr(u.Key, err)
	}
	if n == 0 {
		return ErrGone
	}
	return nil
}

// Created is what a Create left at its key.
type Created struct {
	// Replaced is set when the key held a live session, whose values the
	// write replaced; OldUser is the user it was bound to.
	Replaced bool
	OldUser  string
	// Created, User and Cover are what the key now holds (#created, #user,
	// #uexp; "" and 0 for none).
	Created int64
	User    string
	Cover   int64
}

// CheckLimits returns an error wrapping hashcodec.ErrLimit when the
// session, written whole, goes past limits, unless it holds no more than
// the session it continues (loaded, nil for a new session) did: as in the
// scripts, a write that does not grow a session is never refused, so
// lowering the limits locks no session out.
func (c *Create) CheckLimits(limits hashcodec.Limits, loaded *Snapshot) error {
	if loaded != nil {
		if n0 := ParseInt(loaded.Meta[layout.Count]); int64(c.Count) <= n0 {
			limits.Fields = 0
		}
		if b0 := ParseInt(loaded.Meta[layout.Bytes]); int64(c.Bytes) <= b0 {
			limits.Bytes = 0
		}
	}
	return limits.Check(c.Count, c.Bytes)
}

// Run writes the session in one round trip. It returns ErrGone when the
// key holds a tombstone: the session was deleted and stays deleted.
func (c *Create) Run(ctx context.Context, client redis.Scripter, now int64) (*Created, error) {
	args := make([]any, 0, 7+len(c.Pairs))
	args = append(args, now, c.Expiry, c.Created, c.Count, c.Bytes, c.User, c.Cover)
	args = append(args, c.Pairs...)
	res, err := scripts.Create.Run(ctx, client, []string{c.Key}, args...).Slice()
	if err != nil {
		return nil, writeErr(c.Key, err)
	}
	if len(res) < 5 {
		if len(res) > 0 && res[0] == int64(0) {
			return nil, ErrGone
		}
		return nil, writeErr(c.Key, fmt.Errorf("unexpected reply %v", res))
	}
	return &Created{
		Replaced: res[0] == int64(2),
		Created:  ParseInt(str(res[1])),
		User:     str(res[2]),
		Cover:    ParseInt(str(res[3])),
		OldUser:  str(res[4]),
	}, nil
}

// Ended is what Delete found.
type Ended struct {
	// Alive is set when the key held a live session, which is now ended;
	// User is the user it was bound to ("" for none).
	Alive bool
	User  string
	// Err is DeleteMany's error for this key, if its delete failed.
	Err error
}

// MaxSuccessors bounds how many renewals Delete follows from the key it
// was given (see Delete): far more than one request's lifetime of
// renewals, and a bound on the work a hostile tombstone could cause.
const MaxSuccessors = 16

// Delete ends the session at key for good in one round trip: the key holds
// a tombstone for as long as the session could still have lived (at least
// TombstoneFloor), so that no request in flight, on this app instance or
// another, can write it back. Deleting a missing key leaves a tombstone
// too, for the requests of a session that is not written yet.
//
// When key was renewed or regenerated (its tombstone names the key the
// session was handed over to), Delete ends that session as well, and so on
// (at most MaxSuccessors), one round trip each: a logout with the cookie
// of a renewed session, racing the renewal or after it, ends what the
// session became. It follows only keys that start with scope (the store's
// prefix), and at such a key ends only a session, a tombstone or nothing
// (leaving a tombstone): a tombstone naming another key, hand-made or
// hostile, changes nothing else (not a user index, not another program's
// hash). The Ended it returns is
// the live session it ended, if any.
func Delete(ctx context.Context, c redis.Scripter, key, scope string, now int64) (Ended, error) {
	var ended Ended
	follow := false
	for range MaxSuccessors + 1 {
		e, next, err := deleteOne(ctx, c, key, "", now, follow)
		if err != nil {
			return ended, err
		}
		if e.Alive {
			ended = e
		}
		if next == "" || next == key || !strings.HasPrefix(next, scope) {
			break
		}
		key, follow = next, true
	}
	return ended, nil
}

// DeleteInto ends the live session at key as Delete does, recording that
// it moves on to successor (a regeneration that writes it there next): a
// delete of key from then on ends successor too, so that a logout racing
// the write stops it. It follows no successor key already had.
func DeleteInto(ctx context.Context, c redis.Scripter, key, successor string, now int64) (Ended, error) {
	e, _, err := deleteOne(ctx, c, key, successor, now, false)
	return e, err
}

// deleteOne runs delete.lua once; follow says key was named by another
// key's tombstone, not by the caller (see the script).
func deleteOne(ctx context.Context, c redis.Scripter, key, successor string, now int64, follow bool) (Ended, string, error) {
	res, err := scripts.Delete.Run(ctx, c, []string{key}, now, TombstoneFloor.Milliseconds(), 0, successor, flag(follow)).Slice()
	if err != nil {
		return Ended{}, "", writeErr(key, err)
	}
	e, next, ok := parseEnded(res)
	if !ok {
		return Ended{}, "", writeErr(key, fmt.Errorf("unexpected reply %v", res))
	}
	return e, next, nil
}

// parseEnded reads delete.lua's reply.
func parseEnded(res []any) (e Ended, successor string, ok bool) {
	if len(res) != 3 {
		return Ended{}, "", false
	}
	return Ended{Alive: res[0] == int64(1), User: str(res[1])}, str(res[2]), true
}

// DeleteMany ends every session at keys as a revocation does, in one
// pipeline (go-redis splits it per node in a Cluster), and returns what
// each delete found; Err is set on the ones that failed. Unlike Delete it
// leaves a TombstoneAlive as it is: a renewal that deleted its old token
// itself is stopped by the user index (or, when the revocation spared it,
// allowed to finish), not by the tombstone.
func DeleteMany(ctx context.Context, c redis.Cmdable, keys []string, now int64) []Ended {
	cmds, _ := eachKey(ctx, c, scripts.Delete, keys, now, TombstoneFloor.Milliseconds(), 1, "", 0)
	out := make([]Ended, len(keys))
	for i, cmd := range cmds {
		res, err := cmd.Slice()
		if err != nil {
			out[i].Err = writeErr(keys[i], err)
			continue
		}
		e, _, ok := parseEnded(res)
		if !ok {
			e.Err = writeErr(keys[i], fmt.Errorf("unexpected reply %v", res))
		}
		out[i] = e
	}
	return out
}

// HandOver records, for the keys a request deleted itself before moving
// the session to successor (scs's RenewToken deletes the old token; a
// MergeSession deletes the other session), that each moves on there, and
// reports whether all of them could: each must hold the TombstoneAlive of
// that one delete (or be handed to successor already, a retried commit). A
// session deleted by anyone else as well (a logout, "log out everywhere"),
// or already gone when the request deleted it, reads false, and successor
// must not be written. Once handed over, a delete of an old key ends
// successor too (see Delete), so a logout racing the write of successor
// still ends it. One round trip.
func HandOver(ctx context.Context, c redis.Cmdable, successor string, keys ...string) (bool, error) {
	cmds, err := eachKey(ctx, c, scripts.Handover, keys, successor)
	if err != nil {
		return false, fmt.Errorf("hand over %s: %w", layout.Redact(keys[0]), err)
	}
	for _, cmd := range cmds {
		if n, _ := cmd.Int64(); n != 1 {
			return false, nil
		}
	}
	return true, nil
}

// eachKey runs script once per key with the same args, in one pipeline
// (go-redis splits it per node in a Cluster), loading the script and
// trying again once if Redis does not have it. It returns each key's
// reply and the pipeline's first error.
func eachKey(ctx context.Context, c redis.Cmdable, script *redis.Script, keys []string, args ...any) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(keys))
	err := scripts.Retry(ctx, c, script, func() error {
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, key := range keys {
				cmds[i] = script.EvalSha(ctx, p, []string{key}, args...)
			}
			return nil
		})
		return err
	})
	return cmds, err
}

func writeErr(key string, err error) error {
	if code, rest, ok := scripts.Code(err); ok && code == "LIMIT" {
		return fmt.Errorf("%w: %s: %s", hashcodec.ErrLimit, layout.Redact(key), rest)
	}
	return fmt.Errorf("write %s: %w", layout.Redact(key), err)
}

// str returns a reply value as a string ("" for nil or other types).
func str(v any) string {
	s, _ := v.(string)
	return s
}

// flag is a script's boolean argument.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}
