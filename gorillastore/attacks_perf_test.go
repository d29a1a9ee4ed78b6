package gorillastore_test

import (
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

// Red team of the lazy fingerprints: an unchanged Save hands its
// fingerprints on to the snapshot after it. After unchanged Saves in one
// request, with another tab's change in between, a value (string key or
// not) the request then deletes is deleted, the other tab's change is
// kept, and the load filled Values with every stored value.
func TestUnchangedSavesThenADeleteDeleteIt(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.handle("/seed", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Values["a"], s.Values["b"], s.Values[7] = "1", "2", 8
			a.save(w, r, s)
		})
		br := &browser{}
		a.do(br, "/seed")
		require.Contains(t, b.Client.HGetAll(ctx, a.key(a.id(br))).Val(), "#k:int:7")
		between := redistest.NewGate()
		a.handle("/chain", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			assert.Len(t, s.Values, 3)
			assert.Equal(t, 8, s.Values[7])
			a.save(w, r, s) // unchanged
			between.Wait()
			a.save(w, r, s) // unchanged, again
			delete(s.Values, "b")
			delete(s.Values, 7)
			a.save(w, r, s)
		})
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.do(tab(br), "/chain")
		}()
		<-between.Arrived
		a.do(tab(br), "/put?a=other")
		between.Release()
		<-done
		raw := b.Client.HGetAll(ctx, a.key(a.id(br))).Val()
		assert.Equal(t, "other", raw["a"], "the other tab's change was reverted")
		assert.NotContains(t, raw, "b", "a value deleted after unchanged saves is still stored")
		assert.NotContains(t, raw, "#k:int:7", "a non-string key deleted after unchanged saves is still stored")
	})
}

// Two NaN keys of Values (never equal, so a map holds both) would be one
// hash field: a save with them fails with an error naming the key, and
// writes nothing (the loaded value the request deleted stays, as does the
// session), instead of guessing which value to keep and, counting the one
// field twice, forgetting to delete another.
func TestTwoNaNKeysFailTheSaveAndWriteNothing(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.handle("/seed", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Values["b"], s.Values[math.NaN()] = "2", "x"
			a.save(w, r, s)
		})
		var saveErr error
		a.handle("/nan-and-delete", func(w http.ResponseWriter, r *http.Request) {
			s := a.session(w, r)
			s.Values[math.NaN()] = "y" // a second NaN key: the same hash field
			delete(s.Values, "b")
			saveErr = s.Save(r, w)
		})
		br := &browser{}
		a.do(br, "/seed")
		before := b.Client.HGetAll(ctx, a.key(a.id(br))).Val()
		require.Contains(t, before, "b")
		a.do(br, "/nan-and-delete")
		require.ErrorIs(t, saveErr, hashcodec.ErrUnsupported)
		assert.Contains(t, saveErr.Error(), "NaN")
		assert.Equal(t, before, b.Client.HGetAll(ctx, a.key(a.id(br))).Val(), "nothing was written")
	})
}
