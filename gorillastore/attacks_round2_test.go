package gorillastore_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/internal/scripts"
)

// Red team, round 2.

// TestRegenerateIDRacingLogoutElsewhere holds the logout before
// RegenerateID deletes the old key. Here the logout (on the other
// instance, with the old cookie) lands after that delete and before the
// new key is written. RegenerateID's delete left a tombstone naming the
// new key, so the logout's delete ends the new key as well (a tombstone
// there, which the write refuses): the session the user just logged out of
// does not live on under the new ID (the scs counterpart is
// TestLogoutDuringTheRenewalsCreateEndsTheRenewedSession).
func TestLogoutDuringRegenerateIDsWriteEndsTheNewSession(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=ada")
		f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			s.Values["role"] = "admin"
			_ = in.store.RegenerateID(r, w, s)
		})
		atCreate := redistest.PauseAt(f.inst[0].client, redistest.Script(scripts.Create))
		login := tab(br)
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, login, "/login") }()
		<-atCreate.Arrived          // the old key is TombstoneAlive, the new one not written
		f.do(1, tab(br), "/logout") // the user logs out in another tab
		atCreate.Release()
		<-done
		assert.Empty(t, f.sessions(), "the logged-out session lives on under the regenerated ID")
	})
}

// Fields(session).Delete with a key named twice counts it removed twice:
// the byte counter (#b) falls below what is stored and later writes pass
// the byte limit.
func TestFieldsDeleteNamingAKeyTwiceKeepsTheByteLimit(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		a := newApp(t, b)
		a.store.Limits = hashcodec.Limits{Bytes: 100}
		var sess *sessions.Session
		a.handle("/fields", func(w http.ResponseWriter, r *http.Request) {
			sess = a.session(w, r)
		})
		br := &browser{}
		a.do(br, "/put?a="+strings.Repeat("x", 40)) // 41 bytes of 100
		a.do(br, "/fields")
		h := a.store.Fields(sess)
		for i := 0; i < 5; i++ {
			_, err := h.Delete(ctx, "a", "a")
			require.NoError(t, err)
			require.NoError(t, h.Set(ctx, "a", strings.Repeat("x", 40)))
			_ = h.Set(ctx, "k"+strconv.Itoa(i), strings.Repeat("y", 39)) // 41 bytes: refused past 100
		}
		size := 0
		for f, v := range b.Client.HGetAll(ctx, a.key(sess.ID)).Val() {
			if !strings.HasPrefix(f, "#") {
				size += len(f) + len(v)
			}
		}
		assert.LessOrEqual(t, size, 100, "the session holds %d bytes, past its limit of 100", size)
	})
}

// A logout with the cookie RegenerateID replaced, sent after the
// regeneration finished (a tab still holding the old cookie, a response
// that reached the browser late), ends the regenerated session: the old
// key's tombstone names the new one.
func TestLogoutWithTheCookieRegenerateIDReplacedEndsTheNewSession(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=ada")
		stale := tab(br)
		f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.store.RegenerateID(r, w, s))
		})
		f.do(0, br, "/login")
		require.NotEqual(t, stale.cookie().Value, br.cookie().Value, "regenerated")
		require.Len(t, f.sessions(), 1)
		f.do(1, stale, "/logout")
		assert.Empty(t, f.sessions(), "the regenerated session outlived a logout with its old cookie")
	})
}
