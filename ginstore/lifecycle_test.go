package ginstore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/ginstore"
	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

// A client that disconnects mid-request cancels the request's context; the
// handler's save, regeneration or logout must still happen (they run
// detached from it), and a session whose load the cancellation broke must
// not be overwritten, yet can still be logged out.
func TestAClientThatCancelsMidRequest(t *testing.T) {
	cases := []struct {
		name     string
		lateLoad bool // the session is first touched after the client left
		step     func(c *gin.Context, store *ginstore.Store) error
		check    func(t *testing.T, e *env, old string, err error)
	}{
		{"save", false, func(c *gin.Context, _ *ginstore.Store) error {
			session := sessions.Default(c)
			session.Set("paid", "yes")
			return session.Save()
		}, func(t *testing.T, e *env, old string, err error) {
			require.NoError(t, err)
			assert.Equal(t, "yes", e.get(1, &browser{cookie: old}, "paid"))
		}},
		{"regenerate", false, func(c *gin.Context, store *ginstore.Store) error {
			return store.RegenerateID(c, cookieName)
		}, func(t *testing.T, e *env, old string, err error) {
			require.NoError(t, err)
			keys := e.sessionKeys()
			require.Len(t, keys, 1, "the session moved to its new key")
			assert.NotEqual(t, e.key(e.id(old)), keys[0])
			assert.Empty(t, e.get(1, &browser{cookie: old}, "user"), "the old cookie is dead")
		}},
		{"destroy", false, func(c *gin.Context, store *ginstore.Store) error {
			return store.Destroy(c, cookieName)
		}, func(t *testing.T, e *env, old string, err error) {
			require.NoError(t, err)
			assert.Empty(t, e.sessionKeys())
		}},
		{"save after a failed load", true, func(c *gin.Context, _ *ginstore.Store) error {
			session := sessions.Default(c) // the load fails: the context is cancelled
			session.Set("paid", "yes")
			return session.Save()
		}, func(t *testing.T, e *env, old string, err error) {
			require.ErrorIs(t, err, gorillastore.ErrNotLoaded, "a session that did not load is not saved over the stored one")
			br := &browser{cookie: old}
			assert.Equal(t, "7", e.get(1, br, "user"))
			assert.Empty(t, e.get(1, br, "paid"))
		}},
		{"destroy after a failed load", true, func(c *gin.Context, store *ginstore.Store) error {
			return store.Destroy(c, cookieName)
		}, func(t *testing.T, e *env, old string, err error) {
			require.NoError(t, err)
			assert.Empty(t, e.sessionKeys(), "the session the cookie names is deleted all the same")
		}},
	}
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, b, nil)
				br := &browser{}
				e.ok(0, br, "/put?user=7")
				old := br.value()

				arrived, result := make(chan struct{}), make(chan error, 1)
				path := e.route("gone", func(c *gin.Context, store *ginstore.Store) {
					if !tc.lateLoad {
						_ = sessions.Default(c).Get("user")
					}
					close(arrived)
					<-c.Request.Context().Done() // the server noticed the client left
					result <- tc.step(c, store)
				})
				reqCtx, cancel := context.WithCancel(ctx)
				answered := make(chan int, 1)
				go func() { status, _ := e.doCtx(reqCtx, 0, br.tab(), path); answered <- status }()
				<-arrived
				cancel()
				assert.Zero(t, wait(t, answered), "the client got no response")
				tc.check(t, e, old, wait(t, result))
			})
		}
	})
}

// http.TimeoutHandler wraps the whole gin engine: gin handlers take a
// *gin.Context, not an http.Handler, so the standard library's timeout
// handler cannot sit between gin and one handler; in front of gin it gives
// every request a deadline and answers 503 for gin when time runs out.
func TestTimeoutHandlerInFrontOfGin(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		t.Run("within the deadline", func(t *testing.T) {
			e := newEnv(t, b, nil)
			timed := e.serve(http.TimeoutHandler(e.inst[0].engine, time.Minute, "timeout"))
			br := &browser{}
			status, _ := e.send(ctx, timed, br, "/put?cart=apple")
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, "apple", e.get(1, br, "cart"), "the cookie came through")
			old := br.value()
			status, _ = e.send(ctx, timed, br, "/login?user=7")
			require.Equal(t, http.StatusOK, status)
			assert.NotEqual(t, e.id(old), e.id(br.value()))
			assert.Equal(t, "7", e.get(1, br, "user"))
			status, _ = e.send(ctx, timed, br, "/logout")
			require.Equal(t, http.StatusOK, status)
			assert.Empty(t, br.value())
			assert.Empty(t, e.sessionKeys())
		})
		t.Run("past the deadline", func(t *testing.T) {
			e := newEnv(t, b, nil)
			// Long enough for the load before the gate; the handler then
			// outlives it for as long as the test holds the gate.
			timed := e.serve(http.TimeoutHandler(e.inst[0].engine, 500*time.Millisecond, "timeout"))
			br := &browser{}
			e.ok(1, br, "/put?user=7")
			slow, g, saved := e.hold("slow", "late", "yes")
			answered := make(chan int, 1)
			inflight := br.tab()
			go func() { status, _ := e.send(ctx, timed, inflight, slow); answered <- status }()
			<-g.Arrived
			assert.Equal(t, http.StatusServiceUnavailable, wait(t, answered), "the client got the 503")
			assert.Empty(t, inflight.lastSet(), "a 503 carries none of the handler's headers")
			g.Release()
			require.NoError(t, wait(t, saved), "the save after the deadline still runs")
			assert.Equal(t, "yes", e.get(1, br, "late"))
			assert.Equal(t, "7", e.get(1, br, "user"))
		})
	})
}
