package gorillastore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/gorillastore"
	"github.com/redis-session/redis-session-go/hashcodec"
	"github.com/redis-session/redis-session-go/internal/redistest"
)

// The gorilla store's guarantees in the deployments people run: two app
// instances (Store values) on one Redis, a timeout middleware in front of
// the handlers, clients that disconnect.

type deployment struct {
	name   string
	wrap   func(http.Handler) http.Handler
	cancel bool
}

var deployments = []deployment{
	{name: "direct"},
	{name: "timeout handler", wrap: func(h http.Handler) http.Handler { return http.TimeoutHandler(h, time.Minute, "timeout") }},
	{name: "client cancels", cancel: true},
}

// fleet is one app deployed as several instances on one Redis.
type fleet struct {
	t     *testing.T
	b     *redistest.Backend
	setup deployment
	inst  []*gorillaInstance
}

type gorillaInstance struct {
	store  *gorillastore.Store
	client redis.UniversalClient
	mux    *http.ServeMux
}

func eachSetup(t *testing.T, fn func(t *testing.T, f *fleet), configure ...func(*gorillastore.Store)) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for _, d := range deployments {
			t.Run(d.name, func(t *testing.T) {
				f := &fleet{t: t, b: b, setup: d}
				prefix := b.Prefix + redistest.UniquePrefix()
				for i := 0; i < 2; i++ {
					client := b.NewClient(t)
					store, err := gorillastore.New(client, hashKey, blockKey)
					require.NoError(t, err)
					store.KeyPrefix = prefix
					for _, c := range configure {
						c(store)
					}
					f.inst = append(f.inst, &gorillaInstance{store: store, client: client, mux: http.NewServeMux()})
				}
				f.handle("/put", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
					for k, v := range r.URL.Query() {
						s.Values[k] = v[0]
					}
					require.NoError(t, s.Save(r, w))
				})
				f.handle("/get", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
					v, _ := s.Values[r.URL.Query().Get("k")].(string)
					_, _ = w.Write([]byte(v))
				})
				f.handle("/logout", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
					require.NoError(t, in.store.Destroy(r, w, s))
				})
				fn(t, f)
			})
		}
	})
}

// handle registers on every instance a handler that gets the request's
// session first (a Redis failure fails the test).
func (f *fleet) handle(path string, fn func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request)) {
	for _, in := range f.inst {
		in.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			s, err := in.store.Get(r, cookieName)
			if err != nil && !gorillastore.IsInvalidCookie(err) {
				f.t.Errorf("load: %v", err)
			}
			if cancel, ok := r.Context().Value(cancelKey{}).(context.CancelFunc); ok {
				cancel() // the client goes away once the session is loaded
			}
			fn(in, s, w, r)
		})
	}
}

func (f *fleet) do(i int, br *browser, path string) (string, int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if c := br.cookie(); c != nil {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	var h http.Handler = f.inst[i].mux
	if f.setup.wrap != nil {
		h = f.setup.wrap(h)
	}
	if f.setup.cancel {
		// The client goes away once the handler has loaded the session (see
		// handle): every save runs with a cancelled request context.
		req = req.WithContext(context.WithValue(ctx, cancelKey{}, cancel))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieName {
			br.mu.Lock()
			br.last, br.jar = c, c
			if c.MaxAge < 0 {
				br.jar = nil
			}
			br.mu.Unlock()
		}
	}
	return rec.Body.String(), rec.Code
}

// inFlight starts a request on instance i whose handler runs body on its
// session, waits at a gate, then saves; it returns once the handler waits.
func (f *fleet) inFlight(i int, br *browser, path string, body func(s *sessions.Session)) (release func()) {
	g := redistest.NewGate()
	f.handle(path, func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
		body(s)
		g.Wait()
		if err := s.Save(r, w); err != nil {
			assert.ErrorIs(f.t, err, hashcodec.ErrLimit)
		}
	})
	done := make(chan struct{})
	go func() { defer close(done); f.do(i, br, path) }()
	<-g.Arrived
	return func() { g.Release(); <-done }
}

type cancelKey struct{}

func (f *fleet) sessions() []string {
	return redistest.Sessions(f.t, f.b.Client, f.inst[0].store.KeyPrefix)
}

func (f *fleet) id(br *browser) string {
	a := &app{t: f.t, store: f.inst[0].store}
	return a.id(br)
}

func TestLogoutElsewhereWhileASaveIsInFlight(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=ada")
		old := br.cookie()
		release := f.inFlight(0, tab(br), "/slow", func(s *sessions.Session) {
			s.Values["cart"] = "apple"
			clear(s.Values) // whatever the request does with its values
			s.Values["flash"] = "bye"
		})
		f.do(1, br, "/logout")
		release()
		assert.Empty(t, f.sessions(), "the logged-out session stays gone")
		body, _ := f.do(1, &browser{jar: old}, "/get?k=user")
		assert.Empty(t, body)
	})
}

func TestConcurrentSavesOnTwoInstancesBothSurvive(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=ada")
		release := f.inFlight(0, tab(br), "/slow", func(s *sessions.Session) { s.Values["apple"] = "1" })
		f.do(1, tab(br), "/put?pear=1")
		release()
		raw := f.b.Client.HGetAll(ctx, f.inst[0].store.KeyPrefix+f.id(br)).Val()
		assert.Equal(t, "1", raw["apple"])
		assert.Equal(t, "1", raw["pear"])
		assert.Equal(t, "ada", raw["user"])
	})
}

// RegenerateID (a login) racing a logout on the other instance leaves no
// session alive.
func TestRegenerateIDRacingLogoutElsewhere(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?user=ada")
		g := redistest.NewGate()
		f.handle("/login", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			g.Wait()
			s.Values["role"] = "admin"
			assert.ErrorIs(t, in.store.RegenerateID(r, w, s), gorillastore.ErrSessionEnded)
		})
		login := tab(br)
		done := make(chan struct{})
		go func() { defer close(done); f.do(0, login, "/login") }()
		<-g.Arrived
		f.do(1, br, "/logout")
		g.Release()
		<-done
		assert.Empty(t, f.sessions())
		assert.Nil(t, login.cookie(), "the login's cookie is expired")
	})
}

// Parallel saves of one cookie cannot take a session past its limits.
func TestLimitsHoldUnderParallelSaves(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		br := &browser{}
		f.do(0, br, "/put?a=1")
		var releases []func()
		for i := 0; i < 4; i++ {
			releases = append(releases, f.inFlight(i%2, tab(br), fmt.Sprintf("/add%d", i), func(s *sessions.Session) {
				for j := 0; j < 8; j++ {
					s.Values[fmt.Sprintf("k%d-%d", i, j)] = "v"
				}
			}))
		}
		var wg sync.WaitGroup
		for _, r := range releases {
			wg.Add(1)
			go func() { defer wg.Done(); r() }()
		}
		wg.Wait()
		n := 0
		for k := range f.b.Client.HGetAll(ctx, f.inst[0].store.KeyPrefix+f.id(br)).Val() {
			if k[0] != '#' {
				n++
			}
		}
		assert.LessOrEqual(t, n, 10)
		_, code := f.do(1, br, "/put?a=2")
		assert.Equal(t, http.StatusOK, code, "a save that does not grow the session still works")
	}, func(s *gorillastore.Store) { s.Limits = hashcodec.Limits{Fields: 10} })
}

// A MaxAge of a century works, and "log out everywhere" finds the session.
func TestACenturyMaxAge(t *testing.T) {
	for _, idle := range []time.Duration{0, time.Hour} {
		t.Run(fmt.Sprint("idle ", idle), func(t *testing.T) {
			eachSetup(t, func(t *testing.T, f *fleet) {
				br := &browser{}
				_, code := f.do(0, br, "/put?user_id=ada")
				require.Equal(t, http.StatusOK, code)
				body, _ := f.do(1, br, "/get?k=user_id")
				assert.Equal(t, "ada", body)
				n, err := f.inst[1].store.DeleteUserSessions(ctx, "ada", "")
				require.NoError(t, err)
				assert.Equal(t, 1, n)
				assert.Empty(t, f.sessions())
			}, func(s *gorillastore.Store) {
				s.MaxAge(100 * 365 * 24 * 3600)
				s.IdleTimeout = idle
				s.UserKey = "user_id"
			})
		})
	}
}
