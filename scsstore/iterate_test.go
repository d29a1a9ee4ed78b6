package scsstore_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

func TestAllFindsEverySessionWithScan(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		codecs(t, func(t *testing.T, opts ...scsstore.Option) {
			a := newApp(t, b, append(opts, scsstore.WithScanCount(10))...)
			empty, err := a.store.AllCtx(ctx)
			require.NoError(t, err)
			require.NotNil(t, empty, "an empty, non-nil map")
			assert.Empty(t, empty)

			tokens := map[string]bool{}
			for i := 0; i < 35; i++ {
				br := &browser{}
				a.do(br, fmt.Sprintf("/put?n=%d", i))
				tokens[br.token()] = true
			}
			// Keys under the prefix that are not sessions of this store.
			require.NoError(t, b.Client.Set(ctx, a.key("Q2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0NQ"[:43]), "blob", time.Hour).Err())
			require.NoError(t, b.Client.HSet(ctx, a.key("Z2hhbmdlIHRoaXMgdG9rZW4gZm9yIGEgcmVhbCBvbmUxMjM0NQ"[:43]), "no", "metadata").Err())
			require.NoError(t, b.Client.HSet(ctx, a.key("not-a-token"), "#created", "1", "#deadline", "9999999999999999999").Err())
			// A session that should not get its TTL extended by listing it.
			var short string
			for tok := range tokens {
				short = tok
				break
			}
			require.NoError(t, b.Client.PExpire(ctx, a.key(short), time.Minute).Err())

			trips := redistest.CountRoundTrips(b.Client)
			all, err := a.store.AllCtx(ctx)
			require.NoError(t, err)
			assert.Len(t, all, len(tokens))
			for tok, blob := range all {
				require.True(t, tokens[tok], "%s is one of ours", tok)
				_, values, err := a.store.Codec().Decode(blob)
				require.NoError(t, err)
				assert.Contains(t, values, "n")
			}
			counts := map[string]int{}
			for _, c := range trips.Commands() {
				counts[c]++
			}
			defer requireTTL(t, a, a.key(short), time.Minute)
			if b.Cluster != nil {
				return // SCAN runs on each master's own client, which the counter does not see
			}
			assert.Zero(t, counts["keys"], "never KEYS")
			assert.Positive(t, counts["scan"])
			assert.LessOrEqual(t, counts["pipeline"], counts["scan"], "at most one pipeline per SCAN batch")
			assert.Equal(t, counts["scan"]+counts["pipeline"], trips.RoundTrips(), "no round trip per key: %v", counts)
		})
	})
}

func TestIterateCanUpdateSessions(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		alice, bob := &browser{}, &browser{}
		a.do(alice, "/put?user=alice")
		a.do(bob, "/put?user=bob")
		err := a.sm.Iterate(ctx, func(c context.Context) error {
			if a.sm.GetString(c, "user") == "alice" {
				a.sm.Put(c, "banner", "hello")
				_, _, err := a.sm.Commit(c)
				return err
			}
			return nil
		})
		require.NoError(t, err)
		body, _ := a.do(alice, "/get?k=banner")
		assert.Equal(t, "hello", body)
		body, _ = a.do(bob, "/get?k=banner")
		assert.Empty(t, body)
		assert.Len(t, a.sessionKeys(), 2)
	})
}

// With HashTokenInStore, scs's Iterate hands the stored hash to the
// callback as the token. sessionManager.Destroy then hashes it again and
// deletes nothing (an scs bug this store cannot see); the documented
// workaround is store.DeleteCtx with that token. A Put + Commit inside the
// callback reaches the right session instead of creating an orphan.
func TestIterateUnderHashTokenInStore(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.sm.HashTokenInStore = true
		alice, bob := &browser{}, &browser{}
		a.do(alice, "/put?user=alice")
		a.do(bob, "/put?user=bob")

		err := a.sm.Iterate(ctx, func(c context.Context) error {
			if a.sm.GetString(c, "user") == "bob" {
				a.sm.Put(c, "flag", "seen")
				_, _, err := a.sm.Commit(c)
				return err
			}
			return nil
		})
		require.NoError(t, err)
		assert.Len(t, a.sessionKeys(), 2, "no orphan session under hash(hash(token))")
		body, _ := a.do(bob, "/get?k=flag")
		assert.Equal(t, "seen", body)

		err = a.sm.Iterate(ctx, func(c context.Context) error {
			if a.sm.GetString(c, "user") == "alice" {
				return a.store.DeleteCtx(c, a.sm.Token(c)) // not sessionManager.Destroy
			}
			return nil
		})
		require.NoError(t, err)
		body, _ = a.do(alice, "/get?k=user")
		assert.Empty(t, body, "alice is logged out")
		body, _ = a.do(bob, "/get?k=user")
		assert.Equal(t, "bob", body)
	})
}

func TestMergeSession(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		other := &browser{}
		a.do(other, "/put?cart=apple")
		a.handle("/merge", func(w http.ResponseWriter, r *http.Request) {
			require.NoError(t, a.sm.MergeSession(r.Context(), other.token()))
		})
		br := &browser{}
		a.do(br, "/put?user=7")
		a.do(br, "/merge")
		raw := b.Client.HGetAll(ctx, a.key(br.token())).Val()
		assert.Equal(t, "apple", raw["cart"])
		assert.Equal(t, "7", raw["user"])
		assert.Len(t, a.sessionKeys(), 1, "the merged session is gone")
	})
}

var _ = scs.Modified
