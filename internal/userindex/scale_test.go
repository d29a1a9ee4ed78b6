package userindex

// The index at scale (from a red team of issue 13).

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/layout"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/token"
)

// A user with very many sessions (an attacker who knows the password can
// log in as often as they like: nothing caps the index) is revoked in one
// index_revoke reply and one pipeline of deletes, under the stores' 5 s
// timeout; were it to run out, the marks would let the next revocation
// finish. RT_SESSIONS sets the count (default 20000). 300000 sessions took
// about 5.7 s on a local Redis and all ended.
func TestRevokingAUserWithManySessions(t *testing.T) {
	n := 20000
	if s := os.Getenv("RT_SESSIONS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	// (A timing on miniredis, whose clock-driven TTLs touch every key per
	// command, says nothing.)
	redistest.EachReal(t, func(t *testing.T, b *redistest.Backend) {
		ix := Index{Client: b.Client, Prefix: b.Prefix}
		now := layout.Now()
		cover := now + time.Hour.Milliseconds()
		tokens := make([]string, n)
		for i := range tokens {
			tokens[i] = token.New()
		}
		for from := 0; from < n; from += 1000 {
			to := min(from+1000, n)
			_, err := b.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, tok := range tokens[from:to] {
					p.HSet(ctx, ix.SessionKey(tok), layout.Created, now, layout.Deadline, cover, layout.Idle, 0,
						layout.User, "many", layout.UserUntil, cover)
					p.PExpireAt(ctx, ix.SessionKey(tok), time.UnixMilli(cover))
				}
				return nil
			})
			require.NoError(t, err)
			members := make([]redis.Z, 0, to-from)
			for _, tok := range tokens[from:to] {
				members = append(members, redis.Z{Score: float64(cover), Member: tok})
			}
			require.NoError(t, b.Client.ZAdd(ctx, ix.Key("many"), members...).Err())
		}
		require.NoError(t, b.Client.PExpireAt(ctx, ix.Key("many"), time.UnixMilli(cover+Margin.Milliseconds())).Err())
		// As the stores run it: detached, under their default 5 s timeout.
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		start := time.Now()
		ended, err := ix.Revoke(rctx, "many", "", layout.Now())
		took := time.Since(start)
		t.Logf("%s: revoking %d sessions took %s (%s per 1000), err %v", b.Name, n, took,
			fmt.Sprint(took/time.Duration(max(n/1000, 1))), err)
		if err != nil {
			again, err := ix.Revoke(ctx, "many", "", layout.Now()) // the retry the error asks for
			require.NoError(t, err)
			ended += again
		}
		alive := 0
		for from := 0; from < n; from += 1000 {
			to := min(from+1000, n)
			cmds, _ := b.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, tok := range tokens[from:to] {
					p.HExists(ctx, ix.SessionKey(tok), layout.Created)
				}
				return nil
			})
			for _, c := range cmds {
				if c.(*redis.BoolCmd).Val() {
					alive++
				}
			}
		}
		t.Logf("%s: %d ended, %d still alive after the retry", b.Name, ended, alive)
		assert.Zero(t, alive, "no session of the user lives after a revocation and its retry")
	})
}
