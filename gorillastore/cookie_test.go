package gorillastore_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

// agedCookie returns br's cookie as if it had been issued age ago (the
// cookie carries its issue time, signed).
func agedCookie(t *testing.T, store *gorillastore.Store, br *browser, age time.Duration) *http.Cookie {
	id, err := store.CookieID(cookieName, br.cookie().Value)
	require.NoError(t, err)
	v, err := securecookie.EncodeMulti(cookieName, id+"."+strconv.FormatInt(time.Now().Add(-age).Unix(), 10), store.Codecs...)
	require.NoError(t, err)
	return &http.Cookie{Name: cookieName, Value: v}
}

// A session used only by reads keeps its cookie: RefreshCookies issues it
// again once a tenth of its MaxAge has passed, with the same ID, writing
// nothing to Redis; before that, and for a request that saved, it does
// not; a browser-session cookie never needs it.
func TestRefreshCookiesKeepsTheCookieAsLongAsTheSession(t *testing.T) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for _, setup := range deployments {
			t.Run(setup.name, func(t *testing.T) {
				a := newApp(t, b)
				a.store.MaxAge(3600)
				var h http.Handler = a.mux
				if setup.wrap != nil {
					h = setup.wrap(h)
				}
				h = a.store.RefreshCookies(h)
				serve := func(path string, c *http.Cookie) *http.Response {
					rec := httptest.NewRecorder()
					req := httptest.NewRequest(http.MethodGet, path, nil)
					if c != nil {
						req.AddCookie(c)
					}
					h.ServeHTTP(rec, req)
					return rec.Result()
				}
				br := &browser{}
				a.do(br, "/put?user=ada")
				id := a.id(br)
				setCookies := func(res *http.Response) []*http.Cookie {
					var out []*http.Cookie
					for _, c := range res.Cookies() {
						if c.Name == cookieName {
							out = append(out, c)
						}
					}
					return out
				}

				assert.Empty(t, setCookies(serve("/get?k=user", agedCookie(t, a.store, br, time.Minute))), "a fresh cookie is left alone")

				trips := redistest.CountRoundTrips(b.Client)
				res := serve("/get?k=user", agedCookie(t, a.store, br, 7*time.Minute))
				got := setCookies(res)
				require.Len(t, got, 1, "a cookie older than a tenth of MaxAge is issued again")
				assert.Equal(t, 3600, got[0].MaxAge)
				assert.True(t, got[0].HttpOnly && got[0].Secure)
				again, err := a.store.CookieID(cookieName, got[0].Value)
				require.NoError(t, err)
				assert.Equal(t, id, again, "the same session")
				assert.Equal(t, 1, trips.RoundTrips(), "nothing but the load reached Redis: %v", trips.Commands())

				saved := setCookies(serve("/put?x=1", agedCookie(t, a.store, br, 7*time.Minute)))
				assert.Len(t, saved, 1, "a request that saved set the cookie once")

				other := newApp(t, b) // another store's middleware
				other.store.KeyPrefix = a.store.KeyPrefix
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, "/get?k=user", nil)
				req.AddCookie(agedCookie(t, a.store, br, 7*time.Minute))
				other.store.RefreshCookies(a.mux).ServeHTTP(rec, req)
				assert.Empty(t, setCookies(rec.Result()), "each store refreshes its own sessions")

				a.store.MaxAge(0) // new sessions get browser-session cookies
				browserSession := &browser{}
				a.do(browserSession, "/put?user=cy")
				assert.Empty(t, setCookies(serve("/get?k=user", agedCookie(t, a.store, browserSession, 48*time.Hour))),
					"a browser-session cookie has no age to renew")
			})
		}
	})
}
