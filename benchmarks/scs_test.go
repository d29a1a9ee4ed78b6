package benchmarks

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"

	"github.com/redis-session/redis-session-go/internal/redistest"
	"github.com/redis-session/redis-session-go/scsstore"
)

// scsStore is one store under test, wired into a fresh SessionManager.
type scsStore struct {
	name string
	make func(b *testing.B) (store scs.Store, codec scs.Codec, trips func() int64)
}

var scsStores = []scsStore{
	{"hash-fast", func(b *testing.B) (scs.Store, scs.Codec, func() int64) {
		c, ctr := goRedisClient(b)
		s := scsstore.New(c, scsstore.WithPrefix(redistest.UniquePrefix()), scsstore.WithCodec(scsstore.Codec{}))
		return s, s.Codec(), counterTrips(ctr)
	}},
	{"hash-gob", func(b *testing.B) (scs.Store, scs.Codec, func() int64) {
		c, ctr := goRedisClient(b)
		s := scsstore.New(c, scsstore.WithPrefix(redistest.UniquePrefix()))
		return s, s.Codec(), counterTrips(ctr)
	}},
	{"goredisstore", func(b *testing.B) (scs.Store, scs.Codec, func() int64) {
		c, ctr := goRedisClient(b)
		return goredisstore.NewWithPrefix(c, redistest.UniquePrefix()), scs.GobCodec{}, counterTrips(ctr)
	}},
	{"redisstore", func(b *testing.B) (scs.Store, scs.Codec, func() int64) {
		pool, writes := redigoPool(b)
		return redisstore.NewWithPrefix(pool, redistest.UniquePrefix()), scs.GobCodec{}, writes.Load
	}},
}

// scsApp is a SessionManager whose handler either fills a new session with
// the shape's values, or, for a known session, does what the benchmark
// asks (change one value, or only read).
func scsApp(b *testing.B, st scsStore, sh shape, idle time.Duration, write bool) (http.Handler, *http.Cookie, func() int64) {
	store, codec, trips := st.make(b)
	sm := scs.New()
	sm.Store, sm.Codec, sm.IdleTimeout = store, codec, idle
	n := 0
	h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if !sm.Exists(ctx, sh.key(0)) {
			for i := 0; i < sh.fields; i++ {
				sm.Put(ctx, sh.key(i), sh.value())
			}
			return
		}
		if write {
			n++
			sm.Put(ctx, "counter", n)
			return
		}
		_ = sm.GetString(ctx, sh.key(0))
	}))
	cookie := serve(b, h, nil)
	return h, cookie, trips
}

func serve(b *testing.B, h http.Handler, cookie *http.Cookie) *http.Cookie {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		return c
	}
	return cookie
}

// BenchmarkSCSCycle: one request through LoadAndSave that loads the
// session, changes one value and commits.
func BenchmarkSCSCycle(b *testing.B) {
	for _, sh := range []shape{small, large} {
		for _, st := range scsStores {
			b.Run(sh.name+"/"+st.name, func(b *testing.B) {
				h, cookie, trips := scsApp(b, st, sh, 0, true)
				measure(b, trips, func() { serve(b, h, cookie) })
			})
		}
	}
}
