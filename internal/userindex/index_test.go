package userindex

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/sessionhash"
)

var ctx = context.Background()

func TestMain(m *testing.M) { redistest.Main(m) }

func TestCover(t *testing.T) {
	const min = int64(time.Minute / time.Millisecond)
	assert.Equal(t, int64(3*min), Cover(min, min, 0), "two windows of slack")
	assert.Equal(t, int64(2*min), Cover(min, min, 2*min), "the deadline bounds the session")
	assert.Equal(t, int64(5*min), Cover(5*min, 0, 5*min), "no window: the deadline")
	assert.True(t, short(min, min, min, 0), "less than a window of headroom")
	assert.False(t, short(2*min, min, min, 0))
	assert.False(t, short(2*min, 2*min, min, 2*min), "the deadline is closer than a window")
}

// plan decides, from what a commit does, which index step it needs and
// what the write records.
func TestPlanDecidesTheIndexStep(t *testing.T) {
	ix := Index{Prefix: "p:"}
	now := time.Now().UnixMilli()
	const min = int64(time.Minute / time.Millisecond)
	loaded := func(user string, cover int64) *sessionhash.Snapshot {
		meta := map[string]string{layout.Created: "1"}
		if user != "" {
			meta[layout.User] = user
			meta[layout.UserUntil] = sessionhash.FormatInt(cover)
		}
		return &sessionhash.Snapshot{Key: "p:t", Meta: meta, Expiry: now + min}
	}
	update := func(user string, snap *sessionhash.Snapshot) *sessionhash.Commit {
		return &sessionhash.Commit{Update: &sessionhash.Update{Key: "p:t"}, Token: "t", Loaded: snap, Continues: true,
			User: user, Expiry: now + min, Window: min, Now: now}
	}
	for name, tc := range map[string]struct {
		c        *sessionhash.Commit
		step     *Step
		meta     []any
		cover    bool
		guardFor string
		del      []string
	}{
		"covered: nothing to do": {c: update("u", loaded("u", now+3*min))},
		"cover runs short: an extension, guarded": {c: update("u", loaded("u", now+90*time.Second.Milliseconds())),
			step: &Step{Continue: true, User: "u", Token: "t", From: "t"}, cover: true, guardFor: "u"},
		"a login": {c: update("u", loaded("", 0)),
			step: &Step{User: "u", Token: "t"}, meta: []any{layout.User, "u"}, cover: true},
		"a rebinding": {c: update("v", loaded("u", now+3*min)),
			step: &Step{User: "v", Token: "t"}, meta: []any{layout.User, "v"}, cover: true},
		"an unbinding": {c: update("", loaded("u", now+3*min)), del: []string{layout.User, layout.UserUntil}},
	} {
		b := ix.plan(tc.c)
		if tc.step == nil {
			assert.Nil(t, b.step, name)
		} else if assert.NotNil(t, b.step, name) {
			tc.step.Cover = b.step.Cover
			assert.Equal(t, *tc.step, *b.step, name)
			assert.Equal(t, Cover(now+min, min, 0), b.step.Cover, name)
		}
		b.apply(tc.c)
		u := tc.c.Update
		assert.Equal(t, tc.meta, u.Meta, name)
		assert.Equal(t, tc.cover, u.Cover > 0, name)
		assert.Equal(t, tc.guardFor, u.CoverUser, "%s: an extension applies only while still bound to u", name)
		assert.Equal(t, tc.del, u.Del, name)
	}

	// A renewal carries the binding on to the new token.
	renewal := &sessionhash.Commit{Create: &sessionhash.Create{Key: "p:new"}, Token: "new", Loaded: loaded("u", now+3*min),
		Continues: true, User: "u", Expiry: now + min, Window: min, Now: now}
	b := ix.plan(renewal)
	require.NotNil(t, b.step)
	assert.Equal(t, Step{Continue: true, User: "u", Token: "new", From: "t", Cover: b.step.Cover}, *b.step)
	b.apply(renewal)
	assert.Equal(t, "u", renewal.Create.User)

	// A new session written whole by a store that binds by value, without
	// a user, unbinds whatever the key held.
	fresh := &sessionhash.Commit{Create: &sessionhash.Create{Key: "p:t"}, Token: "t", Binds: true, Expiry: now + min, Now: now}
	ix.plan(fresh).apply(fresh)
	assert.Equal(t, sessionhash.Unbind, fresh.Create.User)
}

func TestContinueRequiresTheEntry(t *testing.T) {
	c := redistest.MiniClient(t)
	ix := Index{Client: c, Prefix: "p:"}
	cover := time.Now().Add(time.Hour).UnixMilli()
	ok, err := ix.Add(ctx, Step{Continue: true, User: "u", Token: "new", From: "old", Cover: cover})
	require.NoError(t, err)
	assert.False(t, ok, "nothing to carry on")
	assert.Zero(t, c.Exists(ctx, "p:user:u").Val())

	ok, err = ix.Add(ctx, Step{User: "u", Token: "old", Cover: cover})
	require.NoError(t, err)
	assert.True(t, ok, "a login needs nothing")
	ok, err = ix.Add(ctx, Step{Continue: true, User: "u", Token: "new", From: "old", Cover: cover})
	require.NoError(t, err)
	assert.True(t, ok)
	assert.ElementsMatch(t, []string{"old", "new", "\x00l:old\x00new"}, c.ZRange(ctx, "p:user:u", 0, -1).Val(),
		"both entries, and the lineage")
}

// A listing that runs between the index step and the session write of a
// binding sees no session, and changes nothing: the entry stays.
func TestAListingDuringABindingKeepsTheEntry(t *testing.T) {
	redistest.Each(t, func(t *testing.T, be *redistest.Backend) {
		ix := Index{Client: be.Client, Prefix: be.Prefix}
		for _, listAfterWrite := range []bool{false, true} {
			now := time.Now().UnixMilli()
			deadline := now + time.Hour.Milliseconds()
			tok := strings.Repeat("t", 42) + map[bool]string{false: "a", true: "b"}[listAfterWrite]
			c := &sessionhash.Commit{Create: sessionhash.NewCreate(ix.SessionKey(tok), nil, map[string]string{layout.Deadline: sessionhash.FormatInt(deadline), layout.Idle: "0"}),
				Token: tok, User: "u", Expiry: deadline, Deadline: deadline, Now: now}
			c.Create.Created, c.Create.Expiry = now, deadline
			raw := func(ctx context.Context, c *sessionhash.Commit) error {
				list, err := ix.List(ctx, "u") // sees the entry, but no session yet
				require.NoError(t, err)
				assert.Empty(t, list)
				_, err = c.Create.Run(ctx, be.Client, now)
				if listAfterWrite {
					_, _ = ix.List(ctx, "u")
				}
				return err
			}
			require.NoError(t, ix.Hook(raw)(ctx, c))
			list, err := ix.List(ctx, "u")
			require.NoError(t, err)
			assert.Len(t, list, 1, "the bound session is listed")
			_, err = ix.Revoke(ctx, "u", "", now)
			require.NoError(t, err)
		}
	})
}

func TestAddPrunesByRedisClockAndSetsTheTTL(t *testing.T) {
	redistest.Each(t, func(t *testing.T, be *redistest.Backend) {
		ix := Index{Client: be.Client, Prefix: be.Prefix}
		key := ix.Key("u")
		now := time.Now()
		require.NoError(t, be.Client.ZAdd(ctx, key,
			redis.Z{Score: float64(now.Add(-Margin - time.Second).UnixMilli()), Member: "dead"},
			redis.Z{Score: float64(now.Add(-Margin / 2).UnixMilli()), Member: "recent"}).Err())
		add := func(token string, cover time.Time) {
			_, err := ix.Add(ctx, Step{User: "u", Token: token, Cover: cover.UnixMilli()})
			require.NoError(t, err)
		}
		add("a", now.Add(time.Hour))
		add("b", now.Add(time.Minute))
		add("a", now.Add(time.Minute)) // a cover never shrinks
		assert.Equal(t, []string{"recent", "b", "a"}, be.Client.ZRange(ctx, key, 0, -1).Val(),
			"an entry is kept a margin past its cover, for app servers whose clocks lag")
		ttl := redistest.TTL(t, be.Client, key)
		assert.Greater(t, ttl, time.Hour, "the highest cover plus a margin")
		assert.LessOrEqual(t, ttl, time.Hour+Margin+time.Second)
	})
}

// Revoke lists and removes the entries in one step, ends every listed
// session (a tombstone also where none is written yet), and gives back
// the entries of sessions it failed to end.
func TestRevoke(t *testing.T) {
	redistest.Each(t, func(t *testing.T, be *redistest.Backend) {
		ix := Index{Client: be.Client, Prefix: be.Prefix}
		now := time.Now().UnixMilli()
		cover := now + time.Hour.Milliseconds()
		tok := func(c byte) string { return strings.Repeat(string(c), 43) }
		for _, c := range "abcd" {
			_, err := ix.Add(ctx, Step{User: "u", Token: tok(byte(c)), Cover: cover})
			require.NoError(t, err)
		}
		for _, c := range "abc" { // d's session is not written yet
			create := sessionhash.NewCreate(ix.SessionKey(tok(byte(c))), nil, nil)
			create.Created, create.Expiry, create.User, create.Cover = now, cover, "u", cover
			_, err := create.Run(ctx, be.Client, now)
			require.NoError(t, err)
		}
		n, err := ix.Revoke(ctx, "u", tok('c'), now)
		require.NoError(t, err)
		assert.Equal(t, 2, n, "a and b ended; c excepted; d had no session")
		assert.Equal(t, []string{tok('c')}, be.Client.ZRange(ctx, ix.Key("u"), 0, -1).Val())
		for _, c := range "abd" {
			assert.True(t, redistest.Tombstoned(t, be.Client, ix.SessionKey(tok(byte(c)))), string(c))
		}
		assert.True(t, redistest.Live(t, be.Client, ix.SessionKey(tok('c'))))
		create := sessionhash.NewCreate(ix.SessionKey(tok('d')), nil, nil)
		create.Created, create.Expiry = now, cover
		_, err = create.Run(ctx, be.Client, now)
		assert.ErrorIs(t, err, sessionhash.ErrGone, "the session not written yet never will be")

		// A delete that fails leaves its entry marked revoked: it cannot be
		// continued, it is still listed, and the next revocation ends it.
		_, err = ix.Add(ctx, Step{User: "u", Token: tok('e'), Cover: cover})
		require.NoError(t, err)
		create = sessionhash.NewCreate(ix.SessionKey(tok('e')), nil, nil)
		create.Created, create.Expiry, create.User, create.Cover = now, cover, "u", cover
		_, err = create.Run(ctx, be.Client, now)
		require.NoError(t, err)
		failing := redisClientFailingFor(t, be, ix.SessionKey(tok('e')))
		_, err = Index{Client: failing, Prefix: be.Prefix}.Revoke(ctx, "u", tok('c'), now)
		require.Error(t, err)
		assert.Contains(t, be.Client.ZRange(ctx, ix.Key("u"), 0, -1).Val(), "\x00r:"+tok('e'))
		ok, err := ix.Add(ctx, Step{Continue: true, User: "u", Token: tok('e'), From: tok('e'), Cover: cover})
		require.NoError(t, err)
		assert.False(t, ok, "a revoked entry cannot be continued")
		list, err := ix.List(ctx, "u")
		require.NoError(t, err)
		assert.Len(t, list, 2, "c, and e, which is still alive")
		n, err = ix.Revoke(ctx, "u", tok('c'), now)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "the retry ends e")
		assert.True(t, redistest.Tombstoned(t, be.Client, ix.SessionKey(tok('e'))))
		assert.Equal(t, []string{tok('c')}, be.Client.ZRange(ctx, ix.Key("u"), 0, -1).Val())
	})
}

// A revocation spares the excepted session's renewals in flight (by their
// lineage) and, when the excepted token has no entry yet (renewed in this
// very request), lets its renewal continue from its revoked predecessor.
func TestRevokeSparesTheExceptedSessionAndItsRenewals(t *testing.T) {
	redistest.Each(t, func(t *testing.T, be *redistest.Backend) {
		ix := Index{Client: be.Client, Prefix: be.Prefix}
		now := time.Now().UnixMilli()
		cover := now + time.Hour.Milliseconds()
		tok := func(c byte) string { return strings.Repeat(string(c), 43) }
		add := func(s Step) bool {
			s.User, s.Cover = "u", cover
			ok, err := ix.Add(ctx, s)
			require.NoError(t, err)
			return ok
		}
		add(Step{Token: tok('a')})
		add(Step{Token: tok('x')})
		require.True(t, add(Step{Continue: true, Token: tok('b'), From: tok('a')})) // a renews into b
		require.True(t, add(Step{Continue: true, Token: tok('c'), From: tok('b')})) // and b into c
		_, err := ix.Revoke(ctx, "u", tok('a'), now)
		require.NoError(t, err)
		members := be.Client.ZRange(ctx, ix.Key("u"), 0, -1).Val()
		for _, c := range "abc" {
			assert.Contains(t, members, tok(byte(c)), "%c continues the excepted session", c)
		}
		assert.NotContains(t, members, tok('x'))

		// RenewToken, then log out the others except the new token d.
		_, err = ix.Revoke(ctx, "u", tok('d'), now)
		require.NoError(t, err)
		assert.True(t, add(Step{Continue: true, Token: tok('d'), From: tok('c')}), "d's renewal may commit")
		assert.False(t, add(Step{Continue: true, Token: tok('e'), From: tok('c')}), "no other renewal may")
	})
}

func TestUserIDs(t *testing.T) {
	assert.ErrorIs(t, CheckUser(""), ErrUser)
	assert.ErrorIs(t, CheckUser(strings.Repeat("x", MaxUserLen+1)), ErrUser)
	assert.NoError(t, CheckUser("ada@example.com"))
	assert.Equal(t, "42", FormatUser(42))
	assert.Equal(t, "42", FormatUser(int64(42)))
	assert.Equal(t, "ada", FormatUser("ada"))
	assert.Equal(t, "", FormatUser(nil))
	assert.Equal(t, "7", FormatUser(uint8(7)))
}

// redisClientFailingFor returns a second client on the backend whose
// commands naming key fail, alone or in a pipeline.
func redisClientFailingFor(t *testing.T, be *redistest.Backend, key string) redis.UniversalClient {
	var c redis.UniversalClient
	if be.Cluster != nil {
		c = be.Cluster.Client()
	} else {
		c = redis.NewClient(&redis.Options{Addr: be.Client.(*redis.Client).Options().Addr})
	}
	t.Cleanup(func() { _ = c.Close() })
	c.AddHook(failFor(key))
	return c
}

type failFor string

func (f failFor) names(cmd redis.Cmder) bool {
	for _, a := range cmd.Args() {
		if s, ok := a.(string); ok && s == string(f) {
			return true
		}
	}
	return false
}

func (f failFor) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (f failFor) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if f.names(cmd) {
			cmd.SetErr(errInjected)
			return errInjected
		}
		return next(ctx, cmd)
	}
}

func (f failFor) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		rest := cmds[:0:0]
		for _, cmd := range cmds {
			if f.names(cmd) {
				cmd.SetErr(errInjected)
			} else {
				rest = append(rest, cmd)
			}
		}
		if len(rest) == 0 {
			return errInjected
		}
		return next(ctx, rest)
	}
}

var errInjected = errors.New("injected failure")
