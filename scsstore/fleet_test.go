package scsstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// A fleet is one app deployed as several instances (Store and
// SessionManager values) on one Redis, behind one deployment setup, as
// behind a load balancer: each request names the instance that serves it.
type fleet struct {
	t     *testing.T
	b     *redistest.Backend
	pfx   string
	setup deployment
	inst  []*instance
}

// instance is one app server of a fleet, with its own connections.
type instance struct {
	sm     *scs.SessionManager
	store  *scsstore.Store
	client redis.UniversalClient
	mux    *http.ServeMux
	h      http.Handler

	mu   sync.Mutex
	errs []error
}

// deployment is a setup a guarantee must hold in.
type deployment struct {
	name string
	// wrap goes between the session middleware and the handlers.
	wrap func(http.Handler) http.Handler
	// cancel makes the client disconnect once the handler has run (its
	// request context is cancelled before the middleware commits).
	cancel bool
}

var deployments = []deployment{
	{name: "direct"},
	{name: "timeout handler", wrap: func(h http.Handler) http.Handler { return http.TimeoutHandler(h, time.Minute, "timeout") }},
	{name: "client cancels", cancel: true},
}

// scsCodecs are the codecs a SessionManager may use with the store: the
// store's own (what Store.Codec returns by default), its fast Codec, and
// scs's GobCodec for a manager whose Codec was left alone.
var scsCodecs = []struct {
	name  string
	store []scsstore.Option
	// manager overrides sessionManager.Codec = store.Codec() when set.
	manager scs.Codec
}{
	{name: "store gob"},
	{name: "fast", store: []scsstore.Option{scsstore.WithCodec(scsstore.Codec{})}},
	{name: "scs gob", manager: scs.GobCodec{}},
}

// eachSetup runs fn on every backend, codec and deployment setup, with a
// fleet of two instances.
func eachSetup(t *testing.T, fn func(t *testing.T, f *fleet), opts ...scsstore.Option) {
	redistest.Each(t, func(t *testing.T, b *redistest.Backend) {
		for _, codec := range scsCodecs {
			t.Run(codec.name, func(t *testing.T) {
				for _, d := range deployments {
					t.Run(d.name, func(t *testing.T) {
						f := newFleet(t, b, 2, d, append(append([]scsstore.Option(nil), opts...), codec.store...)...)
						if codec.manager != nil {
							for _, in := range f.inst {
								in.sm.Codec = codec.manager
							}
						}
						fn(t, f)
					})
				}
			})
		}
	})
}

func newFleet(t *testing.T, b *redistest.Backend, n int, d deployment, opts ...scsstore.Option) *fleet {
	f := &fleet{t: t, b: b, pfx: b.Prefix + redistest.UniquePrefix(), setup: d}
	for i := 0; i < n; i++ {
		client := b.NewClient(t)
		in := &instance{sm: scs.New(), client: client, mux: http.NewServeMux(),
			store: scsstore.New(client, append([]scsstore.Option{scsstore.WithPrefix(f.pfx)}, opts...)...)}
		in.sm.Store, in.sm.Codec = in.store, in.store.Codec()
		in.sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
			in.mu.Lock()
			in.errs = append(in.errs, err)
			in.mu.Unlock()
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		var h http.Handler = in.mux
		if d.wrap != nil {
			h = d.wrap(h)
		}
		in.h = in.sm.LoadAndSave(h)
		f.inst = append(f.inst, in)
	}
	f.handle("/put", func(in *instance, w http.ResponseWriter, r *http.Request) {
		for k, v := range r.URL.Query() {
			in.sm.Put(r.Context(), k, v[0])
		}
	})
	f.handle("/get", func(in *instance, w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(in.sm.GetString(r.Context(), r.URL.Query().Get("k"))))
	})
	f.handle("/destroy", func(in *instance, w http.ResponseWriter, r *http.Request) {
		require.NoError(t, in.sm.Destroy(r.Context()))
	})
	t.Cleanup(func() {
		for i, in := range f.inst {
			in.mu.Lock()
			require.Empty(t, in.errs, "instance %d: errors passed to scs's ErrorFunc", i)
			in.mu.Unlock()
		}
	})
	return f
}

// gatedLogout registers /logout on every instance: it waits at the gate it
// returns (the session is loaded), then destroys the session.
func (f *fleet) gatedLogout() *redistest.Gate {
	g := redistest.NewGate()
	f.handle("/logout", func(in *instance, w http.ResponseWriter, r *http.Request) {
		g.Wait()
		require.NoError(f.t, in.sm.Destroy(r.Context()))
	})
	return g
}

// handle registers a handler on every instance.
func (f *fleet) handle(path string, fn func(in *instance, w http.ResponseWriter, r *http.Request)) {
	for _, in := range f.inst {
		in.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { fn(in, w, r) })
	}
}

// do serves one request of br on instance i, the way the fleet's setup
// runs it, and returns the body and status.
func (f *fleet) do(i int, br *browser, path string) (string, int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if tok := br.token(); tok != "" {
		req.AddCookie(&http.Cookie{Name: f.inst[i].sm.Cookie.Name, Value: tok})
	}
	rec := httptest.NewRecorder()
	h := f.inst[i].h
	if f.setup.cancel {
		// The client goes away once the handler is done, before the
		// middleware commits: scs commits with a cancelled context.
		h = f.inst[i].sm.LoadAndSave(cancelAfter(f.inst[i].mux, cancel))
	}
	h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == f.inst[i].sm.Cookie.Name {
			br.mu.Lock()
			br.cookie = c.Value
			if c.MaxAge < 0 {
				br.cookie = ""
			}
			br.mu.Unlock()
		}
	}
	return rec.Body.String(), rec.Code
}

// cancelAfter runs h, then cancels the request's context.
func cancelAfter(h http.Handler, cancel context.CancelFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		cancel()
	})
}

// inFlight starts a request of br on instance i whose handler runs body,
// then waits at a gate; it returns once the handler waits (the session is
// loaded, not committed). release lets it finish and waits for it.
func (f *fleet) inFlight(i int, br *browser, path string, body func(in *instance, r *http.Request)) (release func()) {
	g := redistest.NewGate()
	f.handle(path, func(in *instance, w http.ResponseWriter, r *http.Request) {
		body(in, r)
		g.Wait()
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.do(i, br, path)
	}()
	<-g.Arrived
	return func() {
		g.Release()
		wg.Wait()
	}
}

// key returns the Redis key of a token.
func (f *fleet) key(token string) string { return f.pfx + token }

// sessions lists the keys holding live sessions.
func (f *fleet) sessions() []string { return redistest.Sessions(f.t, f.b.Client, f.pfx) }

// stored returns what the session of br holds in Redis.
func (f *fleet) stored(br *browser) map[string]string {
	return f.b.Client.HGetAll(ctx, f.key(br.token())).Val()
}
