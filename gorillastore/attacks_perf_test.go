package gorillastore_test

import (
	"math"
	"net/http"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

// Red team of the lazy fingerprints: an unchanged Save hands its
// fingerprints on to the snapshot after it. After unchanged Saves in one
// request, with another tab's change in between (on the other instance),
// a value (string key or not) the request then deletes is deleted, the
// other tab's change is kept, and the load filled Values with every stored
// value.
func TestUnchangedSavesThenADeleteDeleteIt(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		f.handle("/seed", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			s.Values["a"], s.Values["b"], s.Values[7] = "1", "2", 8
			require.NoError(t, s.Save(r, w))
		})
		br := &browser{}
		f.do(0, br, "/seed")
		key := f.inst[0].store.KeyPrefix + f.id(br)
		require.Contains(t, f.b.Client.HGetAll(ctx, key).Val(), "#k:int:7")
		between := redistest.NewGate()
		f.handle("/chain", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			assert.Len(t, s.Values, 3)
			assert.Equal(t, 8, s.Values[7])
			require.NoError(t, s.Save(r, w)) // unchanged
			between.Wait()
			require.NoError(t, s.Save(r, w)) // unchanged, again
			delete(s.Values, "b")
			delete(s.Values, 7)
			require.NoError(t, s.Save(r, w))
		})
		done := make(chan struct{})
		go func() {
			defer close(done)
			f.do(0, tab(br), "/chain")
		}()
		<-between.Arrived
		f.do(1, tab(br), "/put?a=other")
		between.Release()
		<-done
		raw := f.b.Client.HGetAll(ctx, key).Val()
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
	eachSetup(t, func(t *testing.T, f *fleet) {
		f.handle("/seed", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			s.Values["b"], s.Values[math.NaN()] = "2", "x"
			require.NoError(t, s.Save(r, w))
		})
		var saveErr error
		f.handle("/nan-and-delete", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			s.Values[math.NaN()] = "y" // a second NaN key: the same hash field
			delete(s.Values, "b")
			saveErr = s.Save(r, w)
		})
		br := &browser{}
		f.do(0, br, "/seed")
		key := f.inst[0].store.KeyPrefix + f.id(br)
		before := f.b.Client.HGetAll(ctx, key).Val()
		require.Contains(t, before, "b")
		f.do(1, br, "/nan-and-delete")
		require.ErrorIs(t, saveErr, hashcodec.ErrUnsupported)
		assert.Contains(t, saveErr.Error(), "NaN")
		assert.Equal(t, before, f.b.Client.HGetAll(ctx, key).Val(), "nothing was written")
	})
}
