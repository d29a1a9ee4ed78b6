package scsstore_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
)

// Red team of the lazy fingerprints: a commit that changes no value hands
// its fingerprints on to the snapshot after it, and a Codec Find blob
// leaves them to its entries. Whatever the chain of commits in one request
// (unchanged ones, with a slide of the expiry or without), a value the
// request removes at the end is deleted, and a value another instance
// changed in between is kept.
func TestUnchangedCommitsThenARemovalDeleteIt(t *testing.T) {
	for _, idle := range []time.Duration{0, time.Hour} {
		t.Run("idle "+idle.String(), func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				for _, in := range f.inst {
					in.sm.IdleTimeout = idle
				}
				br := &browser{}
				f.do(0, br, "/put?a=1&b=2&c=3")
				between := redistest.NewGate()
				f.handle("/chain", func(in *instance, w http.ResponseWriter, r *http.Request) {
					_, _, err := in.sm.Commit(r.Context()) // nothing changed
					require.NoError(t, err)
					between.Wait()
					_, _, err = in.sm.Commit(r.Context()) // nothing changed, again
					require.NoError(t, err)
					in.sm.Put(r.Context(), "c", "3") // the same value
					_, _, err = in.sm.Commit(r.Context())
					require.NoError(t, err)
					in.sm.Remove(r.Context(), "b")
				})
				done := make(chan struct{})
				go func() {
					defer close(done)
					f.do(0, cookieOnly(br), "/chain")
				}()
				<-between.Arrived
				f.do(1, cookieOnly(br), "/put?a=other")
				between.Release()
				<-done
				raw := f.stored(br)
				assert.NotContains(t, raw, "b", "the value removed after unchanged commits is still stored")
				assert.Equal(t, "other", raw["a"], "the other instance's change was reverted")
				assert.Equal(t, "3", raw["c"])

				// The next request, on the other instance, removes what
				// the unchanged commits carried on.
				f.handle("/drop-c", func(in *instance, w http.ResponseWriter, r *http.Request) {
					in.sm.Remove(r.Context(), "c")
				})
				f.do(1, br, "/drop-c")
				assert.NotContains(t, f.stored(br), "c")
			})
		})
	}
}

// Inside Iterate (a Codec listing's blobs carry no fingerprints), an
// unchanged commit, then a removal and a commit, delete the value in every
// session listed.
func TestIterateRemovalAfterAnUnchangedCommit(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		users := []*browser{{}, {}}
		for i, br := range users {
			f.do(i, br, "/put?keep=1&drop=2")
		}
		err := f.inst[0].sm.Iterate(jobContext(t), func(c contextT) error {
			if _, _, err := f.inst[0].sm.Commit(c); err != nil {
				return err
			}
			f.inst[0].sm.Remove(c, "drop")
			_, _, err := f.inst[0].sm.Commit(c)
			return err
		})
		require.NoError(t, err)
		for i, br := range users {
			raw := f.stored(br)
			assert.NotContains(t, raw, "drop", "session %d", i)
			assert.Equal(t, "1", raw["keep"], "session %d", i)
		}
	})
}

// MergeSession of a session, an unchanged commit, then removing one of
// the merged values: the merged session's value is not left behind, and
// the merged-from session stays gone.
func TestMergeThenUnchangedCommitThenRemoval(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		other := &browser{}
		f.do(1, other, "/put?cart=apple&coupon=x")
		br := &browser{}
		f.do(0, br, "/put?user=alice")
		f.handle("/merge", func(in *instance, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.sm.MergeSession(r.Context(), other.token()))
			_, _, err := in.sm.Commit(r.Context())
			require.NoError(t, err)
			_, _, err = in.sm.Commit(r.Context()) // unchanged
			require.NoError(t, err)
			in.sm.Remove(r.Context(), "coupon")
		})
		f.do(0, br, "/merge")
		raw := f.stored(br)
		assert.Equal(t, "apple", raw["cart"])
		assert.Equal(t, "alice", raw["user"])
		assert.NotContains(t, raw, "coupon", "a merged value the request removed is still stored")
		assert.NotContains(t, f.sessions(), f.key(other.token()), "the merged session came back")
	})
}
