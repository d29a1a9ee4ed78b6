package userindex

import (
	"context"
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

func TestCover(t *testing.T) {
	now := time.Now()
	deadline := now.Add(24 * time.Hour)
	assert.Equal(t, deadline, Cover(now.Add(time.Minute), time.Minute, deadline), "a deadline bounds the session")
	assert.Equal(t, now.Add(3*time.Minute), Cover(now.Add(time.Minute), time.Minute, time.Time{}), "two windows of slack")
}

func TestBeforeDecidesWhenTheIndexMustChange(t *testing.T) {
	c := redistest.MiniClient(t)
	ix := Index{Client: c, Prefix: "p:"}
	now := time.Now()
	base := Bind{Index: ix, Token: "t", OldToken: "t", User: "u", OldUser: "u", Window: time.Minute, Expiry: now.Add(time.Minute)}

	covered := base
	covered.OldCover = now.Add(2*time.Minute + 30*time.Second)
	set, err := covered.Before(ctx)
	require.NoError(t, err)
	assert.Nil(t, set, "covered for now: nothing to write")
	w := &sessionhash.Write{}
	covered.Apply(w)
	assert.True(t, w.Cover.IsZero())
	assert.Zero(t, c.Exists(ctx, "p:user:u").Val())

	for name, tc := range map[string]struct {
		b        Bind
		rebinds  bool
		coverFor string
	}{
		"new binding":    {Bind{Index: ix, Token: "t", User: "u", Window: time.Minute, Expiry: now.Add(time.Minute)}, true, ""},
		"rebinding":      {func() Bind { b := covered; b.OldUser = "v"; return b }(), true, ""},
		"renewal":        {func() Bind { b := covered; b.OldToken = "old"; return b }(), true, ""},
		"cover runs low": {func() Bind { b := base; b.OldCover = now.Add(90 * time.Second); return b }(), false, "u"},
	} {
		set, err := tc.b.Before(ctx)
		require.NoError(t, err, name)
		if tc.rebinds {
			assert.Equal(t, "u", set[layout.User], name)
		} else {
			assert.Nil(t, set, "%s: a mere extension does not rewrite #user", name)
		}
		w := &sessionhash.Write{}
		tc.b.Apply(w)
		assert.False(t, w.Cover.IsZero(), name)
		assert.Equal(t, tc.coverFor, w.CoverUser, "%s: an extension applies only while still bound to u", name)
		assert.NotNil(t, c.ZScore(ctx, "p:user:u", "t").Val(), name)
	}

	unbind := covered
	unbind.User = ""
	set, err = unbind.Before(ctx)
	require.NoError(t, err)
	assert.Nil(t, set)
	w = &sessionhash.Write{}
	unbind.Apply(w)
	assert.Equal(t, []string{layout.User, layout.UserUntil}, w.Del)
}

// A listing that runs between the index write and the session write of a
// binding sees an unbound session; the binder's confirmation keeps the
// entry anyway (found in review).
func TestAListingDuringABindingKeepsTheEntry(t *testing.T) {
	c := redistest.MiniClient(t)
	ix := Index{Client: c, Prefix: "p:"}
	deadline := time.Now().Add(time.Hour)
	for _, listAfterWrite := range []bool{false, true} {
		require.NoError(t, c.FlushAll(ctx).Err())
		b := &Bind{Index: ix, Token: "t", User: "u", Expiry: deadline, Deadline: deadline}
		set, err := b.Before(ctx)
		require.NoError(t, err)
		list, err := ix.List(ctx, "u") // sees the entry, but no session yet
		require.NoError(t, err)
		assert.Empty(t, list)
		w := &sessionhash.Write{Key: "p:t", Create: true, TTL: time.Hour,
			Set: []any{layout.Created, "1", layout.Deadline, sessionhash.FormatTime(deadline), layout.Idle, "0", layout.User, set[layout.User]}}
		b.Apply(w)
		require.NoError(t, w.Run(ctx, c))
		if listAfterWrite {
			_, err = ix.List(ctx, "u")
			require.NoError(t, err)
		}
		b.After(ctx)
		list, err = ix.List(ctx, "u")
		require.NoError(t, err)
		assert.Len(t, list, 1, "the bound session is listed")
	}
}

// A prune only removes an entry still scored as the listing saw it.
func TestPruneSparesConfirmedEntries(t *testing.T) {
	c := redistest.MiniClient(t)
	ix := Index{Client: c, Prefix: "p:"}
	cover := time.Now().Add(time.Hour)
	require.NoError(t, ix.Add(ctx, "u", "t", cover))
	seen := c.ZScore(ctx, "p:user:u", "t").Val()
	require.NoError(t, ix.Confirm(ctx, "u", "t", cover)) // a binder confirms meanwhile
	require.NoError(t, pruneScript.Run(ctx, c, []string{"p:user:u"}, time.Now().UnixMilli(), "t", seen).Err())
	assert.Equal(t, int64(1), c.ZCard(ctx, "p:user:u").Val())
	require.NoError(t, pruneScript.Run(ctx, c, []string{"p:user:u"}, time.Now().UnixMilli(), "t", c.ZScore(ctx, "p:user:u", "t").Val()).Err())
	assert.Zero(t, c.ZCard(ctx, "p:user:u").Val())
}

func TestAfterRemovesOnlyStaleEntries(t *testing.T) {
	c := redistest.MiniClient(t)
	ix := Index{Client: c, Prefix: "p:"}
	require.NoError(t, ix.Add(ctx, "u", "old", time.Now().Add(time.Hour)))
	require.NoError(t, ix.Add(ctx, "u", "t", time.Now().Add(time.Hour)))
	(&Bind{Index: ix, Token: "t", OldToken: "t", User: "u", OldUser: "u"}).After(ctx)
	assert.Equal(t, int64(2), c.ZCard(ctx, "p:user:u").Val(), "nothing changed: nothing removed")
	(&Bind{Index: ix, Token: "t", OldToken: "old", User: "u", OldUser: "u"}).After(ctx)
	assert.Equal(t, []string{"t"}, c.ZRange(ctx, "p:user:u", 0, -1).Val(), "the renewed token's old entry goes")
}

func TestAddPrunesAndSetsTheTTL(t *testing.T) {
	c := redistest.MiniClient(t)
	ix := Index{Client: c, Prefix: "p:"}
	require.NoError(t, c.ZAdd(ctx, "p:user:u", redis.Z{Score: float64(time.Now().Add(-time.Minute).UnixMilli()), Member: "dead"}).Err())
	require.NoError(t, ix.Add(ctx, "u", "a", time.Now().Add(time.Hour)))
	require.NoError(t, ix.Add(ctx, "u", "b", time.Now().Add(time.Minute)))
	require.NoError(t, ix.Add(ctx, "u", "a", time.Now().Add(time.Minute)), "a cover never shrinks")
	assert.Equal(t, []string{"b", "a"}, c.ZRange(ctx, "p:user:u", 0, -1).Val())
	ttl := c.PTTL(ctx, "p:user:u").Val()
	assert.Greater(t, ttl, time.Hour, "the highest cover plus a margin")
	assert.LessOrEqual(t, ttl, time.Hour+margin+time.Second)
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
