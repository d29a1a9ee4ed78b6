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
)

var ctx = context.Background()

func TestCover(t *testing.T) {
	now := time.Now()
	deadline := now.Add(24 * time.Hour)
	assert.Equal(t, deadline, Cover(now.Add(time.Minute), time.Minute, deadline), "a deadline bounds the session")
	assert.Equal(t, now.Add(3*time.Minute), Cover(now.Add(time.Minute), time.Minute, time.Time{}), "two windows of slack")
}

func TestBeforeDecidesWhenTheIndexMustChange(t *testing.T) {
	mr := redistest.NewMini(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer c.Close()
	ix := Index{Client: c, Prefix: "p:"}
	now := time.Now()
	base := Bind{Index: ix, Token: "t", OldToken: "t", User: "u", OldUser: "u", Window: time.Minute, Expiry: now.Add(time.Minute)}

	covered := base
	covered.OldCover = now.Add(2*time.Minute + 30*time.Second)
	set, del, err := covered.Before(ctx)
	require.NoError(t, err)
	assert.Nil(t, set, "covered for now: nothing to write")
	assert.Nil(t, del)
	assert.Zero(t, c.Exists(ctx, "p:user:u").Val())

	for name, b := range map[string]Bind{
		"new binding":    {Index: ix, Token: "t", User: "u", Window: time.Minute, Expiry: now.Add(time.Minute)},
		"rebinding":      func() Bind { b := covered; b.OldUser = "v"; return b }(),
		"renewal":        func() Bind { b := covered; b.OldToken = "old"; return b }(),
		"cover runs low": func() Bind { b := base; b.OldCover = now.Add(90 * time.Second); return b }(),
	} {
		set, del, err := b.Before(ctx)
		require.NoError(t, err, name)
		assert.Equal(t, "u", set[layout.User], name)
		assert.NotEmpty(t, set[layout.UserUntil], name)
		assert.Nil(t, del, name)
		assert.NotNil(t, c.ZScore(ctx, "p:user:u", "t").Val(), name)
	}

	unbind := covered
	unbind.User = ""
	set, del, err = unbind.Before(ctx)
	require.NoError(t, err)
	assert.Nil(t, set)
	assert.Equal(t, []string{layout.User, layout.UserUntil}, del)
}

func TestAfterRemovesOnlyStaleEntries(t *testing.T) {
	mr := redistest.NewMini(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer c.Close()
	ix := Index{Client: c, Prefix: "p:"}
	require.NoError(t, ix.Add(ctx, "u", "old", time.Now().Add(time.Hour)))
	require.NoError(t, ix.Add(ctx, "u", "t", time.Now().Add(time.Hour)))
	require.NoError(t, Bind{Index: ix, Token: "t", OldToken: "t", User: "u", OldUser: "u"}.After(ctx))
	assert.Equal(t, int64(2), c.ZCard(ctx, "p:user:u").Val(), "nothing changed: nothing removed")
	require.NoError(t, Bind{Index: ix, Token: "t", OldToken: "old", User: "u", OldUser: "u"}.After(ctx))
	assert.Equal(t, []string{"t"}, c.ZRange(ctx, "p:user:u", 0, -1).Val(), "the renewed token's old entry goes")
}

func TestAddPrunesAndSetsTheTTL(t *testing.T) {
	mr := redistest.NewMini(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer c.Close()
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
